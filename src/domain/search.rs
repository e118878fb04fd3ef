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

/// The `LIKE` patterns of a query: each word must begin some word of the text. At most five
/// words are used; `%`, `_` and `\` cannot occur (normalisation keeps letters and digits only).
pub fn patterns(query: &str) -> Vec<String> {
    normalize(query)
        .split_whitespace()
        .take(5)
        .map(|word| format!("% {word}%"))
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
    fn queries_become_word_prefix_patterns() {
        assert_eq!(patterns("Ёлк  ОШ"), vec!["% елк%", "% ош%"]);
        assert_eq!(patterns("50%_off\\"), vec!["% 50%", "% off%"]);
        assert!(patterns("  -- ").is_empty());
        assert_eq!(patterns("a b c d e f g").len(), 5);
    }
}
