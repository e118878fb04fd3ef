-- Public holidays of the Kyrgyz Republic (Labour Code, art. 113; Orozo Ait and Kurman Ait by the
-- yearly decree), dates in Asia/Bishkek: working-day periods of tender procedures skip them
-- (src/domain/calendar.rs). Reference data an administrator keeps (GET /api/v1/holidays; PUT and
-- DELETE /api/v1/admin/holidays/<date>); seeded here for 2026 and 2027, the years the fixtures
-- touch (the two Aits as announced; an administrator corrects them if the decree moves them).
CREATE TABLE public_holidays (
    day         TEXT NOT NULL PRIMARY KEY CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    name_ru     TEXT NOT NULL CHECK (length(name_ru) > 0),
    name_ky     TEXT,
    name_en     TEXT
);

INSERT INTO public_holidays (day, name_ru, name_ky, name_en) VALUES
    ('2026-01-01', 'Новый год', 'Жаңы жыл', 'New Year'),
    ('2026-01-07', 'Рождество Христово', 'Ыйса пайгамбардын туулган күнү (Рождество)', 'Orthodox Christmas'),
    ('2026-02-23', 'День защитника Отечества', 'Ата Мекенди коргоочулардын күнү', 'Defender of the Fatherland Day'),
    ('2026-03-08', 'Международный женский день', 'Эл аралык аялдар күнү', 'International Women''s Day'),
    ('2026-03-20', 'Орозо айт', 'Орозо айт', 'Orozo Ait (Eid al-Fitr)'),
    ('2026-03-21', 'Нооруз', 'Нооруз', 'Nooruz'),
    ('2026-04-07', 'День народной Апрельской революции', 'Элдик Апрель революциясынын күнү', 'Day of the People''s April Revolution'),
    ('2026-05-01', 'Праздник труда', 'Эмгек майрамы', 'Labour Day'),
    ('2026-05-05', 'День Конституции Кыргызской Республики', 'Кыргыз Республикасынын Конституциясынын күнү', 'Constitution Day'),
    ('2026-05-09', 'День Победы', 'Жеңиш күнү', 'Victory Day'),
    ('2026-05-27', 'Курман айт', 'Курман айт', 'Kurman Ait (Eid al-Adha)'),
    ('2026-08-31', 'День независимости Кыргызской Республики', 'Кыргыз Республикасынын Эгемендүүлүк күнү', 'Independence Day'),
    ('2026-11-07', 'Дни истории и памяти предков', 'Тарых жана ата-бабаларды эскерүү күндөрү', 'Days of History and Remembrance of Ancestors'),
    ('2026-11-08', 'Дни истории и памяти предков', 'Тарых жана ата-бабаларды эскерүү күндөрү', 'Days of History and Remembrance of Ancestors'),
    ('2027-01-01', 'Новый год', 'Жаңы жыл', 'New Year'),
    ('2027-01-07', 'Рождество Христово', 'Ыйса пайгамбардын туулган күнү (Рождество)', 'Orthodox Christmas'),
    ('2027-02-23', 'День защитника Отечества', 'Ата Мекенди коргоочулардын күнү', 'Defender of the Fatherland Day'),
    ('2027-03-08', 'Международный женский день', 'Эл аралык аялдар күнү', 'International Women''s Day'),
    ('2027-03-10', 'Орозо айт', 'Орозо айт', 'Orozo Ait (Eid al-Fitr)'),
    ('2027-03-21', 'Нооруз', 'Нооруз', 'Nooruz'),
    ('2027-04-07', 'День народной Апрельской революции', 'Элдик Апрель революциясынын күнү', 'Day of the People''s April Revolution'),
    ('2027-05-01', 'Праздник труда', 'Эмгек майрамы', 'Labour Day'),
    ('2027-05-05', 'День Конституции Кыргызской Республики', 'Кыргыз Республикасынын Конституциясынын күнү', 'Constitution Day'),
    ('2027-05-09', 'День Победы', 'Жеңиш күнү', 'Victory Day'),
    ('2027-05-17', 'Курман айт', 'Курман айт', 'Kurman Ait (Eid al-Adha)'),
    ('2027-08-31', 'День независимости Кыргызской Республики', 'Кыргыз Республикасынын Эгемендүүлүк күнү', 'Independence Day'),
    ('2027-11-07', 'Дни истории и памяти предков', 'Тарых жана ата-бабаларды эскерүү күндөрү', 'Days of History and Remembrance of Ancestors'),
    ('2027-11-08', 'Дни истории и памяти предков', 'Тарых жана ата-бабаларды эскерүү күндөрү', 'Days of History and Remembrance of Ancestors');
