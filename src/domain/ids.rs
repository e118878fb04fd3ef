//! Typed identifiers: an organisation's id cannot be passed where a project's is expected.
//! In JSON every id is an opaque string (api.md), even though the database numbers them.

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
            type Err = std::num::ParseIntError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse().map($name)
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
}
