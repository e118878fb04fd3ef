//! Search text, normalised the same way for what is stored and what is asked, so both engines
//! give the same results with a plain `LIKE`: lower case (Cyrillic, Kyrgyz ө ү ң and Latin alike),
//! ё read as е, punctuation as spaces, and every word preceded by a space so a term matches the
//! beginnings of words.

/// The normalised form: ` word word word ` (leading and trailing space).
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push(' ');
    let mut last_space = true;
    for c in text.chars().flat_map(char::to_lowercase) {
        let c = match c {
            'ё' => 'е',
            c if c.is_alphanumeric() => c,
            _ => ' ',
        };
        if c == ' ' {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
        } else {
            out.push(c);
            last_space = false;
        }
    }
    if !last_space {
        out.push(' ');
    }
    out
}

/// The distinct words of a text, normalised: what the search index holds for it.
pub fn words(text: &str) -> std::collections::BTreeSet<String> {
    normalize(text).split_whitespace().map(str::to_string).collect()
}

/// The ranges of indexed words a query asks for: each query word must begin some word of the
/// text, so it matches the words from itself up to itself followed by the highest code point
/// (code point order, which is byte order in UTF-8). At most five words are used.
pub fn prefix_ranges(query: &str) -> Vec<(String, String)> {
    normalize(query)
        .split_whitespace()
        .take(5)
        .map(|word| (word.to_string(), format!("{word}{}", char::MAX)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_case_yo_and_punctuation() {
        assert_eq!(
            normalize("Мусоросортировочный завод г. Ош"),
            " мусоросортировочный завод г ош "
        );
        assert_eq!(normalize("ЁЛКА и Өнөр-Жай, Үй ҢАА"), " елка и өнөр жай үй ңаа ");
        assert_eq!(normalize("LED street-lighting"), " led street lighting ");
        assert_eq!(normalize(""), " ");
    }

    #[test]
    fn queries_become_word_prefix_ranges() {
        let top = char::MAX;
        assert_eq!(
            prefix_ranges("Ёлк  ОШ"),
            vec![
                ("елк".to_string(), format!("елк{top}")),
                ("ош".to_string(), format!("ош{top}"))
            ]
        );
        assert_eq!(prefix_ranges("50%_off\\")[1].0, "off");
        assert!(prefix_ranges("  -- ").is_empty());
        assert_eq!(prefix_ranges("a b c d e f g").len(), 5);
        let range = &prefix_ranges("осв")[0];
        for word in ["осв", "освещение", "освёл"] {
            let word = normalize(word).trim().to_string();
            assert!(range.0 <= word && word < range.1, "{word}");
        }
        assert!(!("осв".to_string()..range.1.clone()).contains(&"ост".to_string()));
    }

    #[test]
    fn words_are_distinct_and_normalised() {
        let w: Vec<String> = words("Ош, ОШ и ош-2026").into_iter().collect();
        assert_eq!(w, vec!["2026", "и", "ош"]);
    }
}
