//! Typed identifiers: an organisation's id cannot be passed where a project's is expected.
//! In JSON every id is an opaque string (api.md), even though the database numbers them.

/// What an id looks like on the wire, as the API description states it: 1 to 18 digits.
pub const ID_PATTERN: &str = "^[0-9]{1,18}$";

/// Reads an id exactly as [`ID_PATTERN`] describes it: ASCII digits only (no sign, no
/// spaces), at most 18 of them, so every id fits a 64-bit row number.
pub fn parse_id(text: &str) -> Option<i64> {
    crate::domain::validation::whole_number(text, 18)
}

/// A text that is not an id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotAnId;

impl std::fmt::Display for NotAnId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("not an id (1 to 18 digits)")
    }
}

impl std::error::Error for NotAnId {}

/// Declares a typed id over the database's 64-bit row number.
macro_rules! typed_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, sqlx::Type)]
        #[sqlx(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}", self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::domain::ids::NotAnId;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $crate::domain::ids::parse_id(s).map($name).ok_or($crate::domain::ids::NotAnId)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(&self.0)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = String::deserialize(d)?;
                text.parse().map_err(|_| serde::de::Error::custom(format!("{text:?} is not an id")))
            }
        }
    };
}

typed_id!(
    /// An organisation: municipality, company, antimonopoly authority or operator.
    OrgId
);

typed_id!(
    /// A person's account.
    UserId
);

typed_id!(
    /// A project's named document (each upload a version of it).
    DocumentId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_strings_in_json() {
        assert_eq!(serde_json::to_string(&OrgId(42)).unwrap(), r#""42""#);
        assert_eq!(serde_json::from_str::<OrgId>(r#""7""#).unwrap(), OrgId(7));
        assert!(serde_json::from_str::<OrgId>("7").is_err());
        assert!(serde_json::from_str::<OrgId>(r#""x""#).is_err());
    }

    #[test]
    fn ids_are_digits_only() {
        assert_eq!(parse_id("0"), Some(0));
        assert_eq!(parse_id("007"), Some(7));
        assert_eq!(parse_id("999999999999999999"), Some(999_999_999_999_999_999));
        for refused in ["", "+7", "-7", " 7", "7 ", "1e3", "9999999999999999999", "٣"] {
            assert_eq!(parse_id(refused), None, "{refused:?}");
        }
        assert_eq!("+7".parse::<UserId>(), Err(NotAnId));
    }
}
