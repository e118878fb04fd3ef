//! Typed configuration, read through Rocket's figment: `Rocket.toml` profiles, then `PPP_`-prefixed
//! environment variables (and `DATABASE_URL`). Rocket's own settings (address, port, secret key,
//! client-address header) come from the same figment, so one file configures everything.

use std::fmt;
use std::path::PathBuf;

use chrono_tz::Tz;
use rocket::figment::providers::{Env, Serialized};
use rocket::figment::{Figment, Profile};
use serde::{Deserialize, Deserializer, Serialize};

use std::sync::Arc;

use crate::domain::checkpoint::LogKey;
use crate::domain::sealing::Keyring;
use crate::i18n::Lang;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://ppp-registry.sqlite3";

/// Days a municipality has for a private initiative's completeness check, unless configured.
pub const DEFAULT_COMPLETENESS_CHECK_DAYS: i64 = 10;

/// The app's own settings, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct AppConfig {
    /// `sqlite://…` (the default) or `postgres://…`.
    pub database_url: String,
    /// The address people reach the app at, for links in documents and OCDS package URIs.
    pub base_url: String,
    pub default_language: Lang,
    /// Deadlines are entered and shown in this zone; everything is stored in UTC.
    pub display_time_zone: Tz,
    pub upload_dir: PathBuf,
    /// Demo mode loads the fixtures into an empty database and allows a generated secret key.
    pub demo: bool,
    /// Prefix of every OCDS `ocid` (`ocds-` and six characters registered with the OCP).
    pub ocid_prefix: String,
    /// Scheme of OCDS party identifiers (an org-id.guide register prefix); the id is the INN.
    pub party_scheme: String,
    /// The header a trusted reverse proxy sets to the client's address; `None` trusts no header.
    pub client_ip_header: Option<String>,
    /// A browser session ends after this long without a request.
    pub session_idle: chrono::Duration,
    /// A browser session ends this long after sign-in, active or not.
    pub session_absolute: chrono::Duration,
    /// How long an API token lives.
    pub token_lifetime: chrono::Duration,
    /// Days a municipality has for the completeness check of a private initiative.
    pub completeness_check_days: i64,
    /// Amendments that move a contract's value or term by more than this percentage of the
    /// signed figures, in total, are flagged for the reviewers (default 15).
    pub amendment_flag_percent: rust_decimal::Decimal,
    /// The largest accepted upload, in bytes.
    pub max_upload_bytes: u64,
    /// The audit log's signing key (its name is the log's origin): from `signing_key`, or read
    /// from `signing_key_file` by [`Config::with_log_key`]. `None` until one is resolved.
    pub log_key: Option<Arc<LogKey>>,
    /// Where the signing key is kept when `signing_key` is not set (demo and development
    /// generate one there).
    pub signing_key_file: PathBuf,
    /// How often a new checkpoint is signed and published (when the log has grown).
    pub checkpoint_interval: std::time::Duration,
    /// The master keys that wrap each tender's bid-sealing key: from `sealing_keys`, or read
    /// from `sealing_keys_file` by [`Config::with_sealing_keys`]. Never in the database.
    pub keyring: Option<Arc<Keyring>>,
    /// Where the sealing keys are kept when `sealing_keys` is not set.
    pub sealing_keys_file: PathBuf,
    /// Which configured key wraps new tenders' keys (default: the first listed).
    pub sealing_active_key: Option<String>,
}

/// The settings as read, before validation. Every key has a default.
#[derive(Debug, Deserialize, Serialize)]
#[serde(default)]
struct RawConfig {
    database_url: String,
    base_url: String,
    default_language: String,
    display_time_zone: String,
    upload_dir: PathBuf,
    #[serde(deserialize_with = "lenient_bool")]
    demo: bool,
    ocid_prefix: String,
    party_scheme: String,
    client_ip_header: Option<String>,
    session_idle_minutes: i64,
    session_absolute_hours: i64,
    token_lifetime_hours: i64,
    completeness_check_days: i64,
    amendment_flag_percent: String,
    max_upload_mb: i64,
    signing_key: Option<String>,
    signing_key_file: PathBuf,
    checkpoint_interval_seconds: i64,
    sealing_keys: Option<String>,
    sealing_keys_file: PathBuf,
    sealing_active_key: Option<String>,
}

impl Default for RawConfig {
    fn default() -> Self {
        Self {
            database_url: DEFAULT_DATABASE_URL.into(),
            base_url: "http://127.0.0.1:8000".into(),
            default_language: "ru".into(),
            display_time_zone: "Asia/Bishkek".into(),
            upload_dir: PathBuf::from("uploads"),
            demo: false,
            // The OCDS documentation's placeholder; production must set the registered prefix.
            ocid_prefix: "ocds-abc123".into(),
            party_scheme: "KG-INN".into(),
            client_ip_header: None,
            session_idle_minutes: 30,
            session_absolute_hours: 12,
            token_lifetime_hours: 12,
            completeness_check_days: DEFAULT_COMPLETENESS_CHECK_DAYS,
            amendment_flag_percent: "15".into(),
            max_upload_mb: 25,
            signing_key: None,
            signing_key_file: PathBuf::from("audit-signing.key"),
            checkpoint_interval_seconds: 60,
            sealing_keys: None,
            sealing_keys_file: PathBuf::from("sealing-keys"),
            sealing_active_key: None,
        }
    }
}

/// Accepts `true`/`false`, `1`/`0`, and the strings `yes`/`no`/`on`/`off`, so `PPP_DEMO=1` works.
fn lenient_bool<'de, D: Deserializer<'de>>(de: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum BoolLike {
        Bool(bool),
        Int(i64),
        Text(String),
    }
    match BoolLike::deserialize(de)? {
        BoolLike::Bool(b) => Ok(b),
        BoolLike::Int(0) => Ok(false),
        BoolLike::Int(1) => Ok(true),
        BoolLike::Text(s) => match s.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => Ok(true),
            "0" | "false" | "no" | "off" | "" => Ok(false),
            _ => Err(serde::de::Error::custom(format!("expected a boolean, found {s:?}"))),
        },
        BoolLike::Int(n) => Err(serde::de::Error::custom(format!("expected a boolean, found {n}"))),
    }
}

/// Why the configuration cannot be used; each message is one line that says what to do.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration cannot be read: {0}")]
    Unreadable(String),
    #[error("{key}: {reason}")]
    Invalid { key: &'static str, reason: String },
    #[error(
        "no secret key: a release build needs PPP_SECRET_KEY (64 hex digits or base64 of 32 or 64 bytes, e.g. `openssl rand -base64 32`), or run with --demo"
    )]
    MissingSecretKey,
    #[error(
        "no audit signing key: set PPP_SIGNING_KEY (make one with `ppp-registry audit new-key ORIGIN`) or put it in the file {0}, or run with --demo"
    )]
    MissingSigningKey(String),
    #[error(
        "no sealing keys: set PPP_SEALING_KEYS (`id:base64 of 32 random bytes`, e.g. `k2027:$(openssl rand -base64 32)`) or put them in the file {0}, or run with --demo"
    )]
    MissingSealingKeys(String),
}

fn invalid(key: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        key,
        reason: reason.into(),
    }
}

/// The whole configuration: the app's settings and the figment Rocket is built from.
#[derive(Debug, Clone)]
pub struct Config {
    pub app: AppConfig,
    figment: Figment,
}

impl Config {
    /// Reads `Rocket.toml` and the environment. `demo` forces demo mode on (the `--demo` flag).
    pub fn from_environment(demo: bool) -> Result<Self, ConfigError> {
        let mut figment = rocket::Config::figment()
            .merge(Env::raw().only(&["DATABASE_URL"]))
            .merge(Env::prefixed("PPP_").global());
        if demo {
            figment = figment.merge(("demo", true));
        }
        Self::from_figment(figment)
    }

    /// As [`Config::from_environment`], for commands that serve nothing and sign no session
    /// (`audit verify`): a missing secret key is not an error (a random one stands in).
    pub fn for_offline_command() -> Result<Self, ConfigError> {
        let mut figment = rocket::Config::figment()
            .merge(Env::raw().only(&["DATABASE_URL"]))
            .merge(Env::prefixed("PPP_").global());
        if !secret_key_provided(&figment) {
            figment = figment.merge(("secret_key", random_hex_key()));
        }
        Self::from_figment(figment)
    }

    /// Validates the settings in `figment` and completes Rocket's part of it.
    pub fn from_figment(figment: Figment) -> Result<Self, ConfigError> {
        let raw: RawConfig = Figment::from(Serialized::defaults(RawConfig::default()))
            .merge(figment.clone())
            .extract()
            .map_err(|e| ConfigError::Unreadable(one_line(&e.to_string())))?;
        let app = validate(raw)?;

        let mut figment = figment;
        let has_key = secret_key_provided(&figment);
        if !has_key && *figment.profile() == rocket::Config::RELEASE_PROFILE {
            if !app.demo {
                return Err(ConfigError::MissingSecretKey);
            }
            // Demo only: a fresh key each start; sessions do not survive a restart.
            figment = figment.merge(("secret_key", random_hex_key()));
        }
        // Rocket's own limits follow the upload limit (a form carries the file and a little more).
        let mib = app.max_upload_bytes / (1024 * 1024);
        figment = figment
            .merge(("limits.file", format!("{mib} MiB")))
            .merge(("limits.data-form", format!("{} MiB", mib + 1)));
        figment = match &app.client_ip_header {
            Some(header) => figment.merge(("ip_header", header.as_str())),
            None => figment.merge(("ip_header", false)),
        };
        Ok(Self { app, figment })
    }

    /// Resolves the audit signing key when `signing_key` is not set: read from
    /// `signing_key_file`; where the file does not exist, demo mode and the debug profile
    /// generate one there (named after `base_url`), anything else is refused. Returns the file
    /// written, if any.
    pub fn with_log_key(mut self) -> Result<(Self, Option<PathBuf>), ConfigError> {
        if self.app.log_key.is_some() {
            return Ok((self, None));
        }
        let path = self.app.signing_key_file.clone();
        let shown = path.display().to_string();
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let key = LogKey::parse(&text).map_err(|e| invalid("signing_key_file", format!("{shown}: {e}")))?;
                self.app.log_key = Some(Arc::new(key));
                Ok((self, None))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if !self.app.demo && *self.figment.profile() == rocket::Config::RELEASE_PROFILE {
                    return Err(ConfigError::MissingSigningKey(shown));
                }
                let (key, text) =
                    LogKey::generate(&origin_of(&self.app.base_url)).map_err(|e| invalid("base_url", e.to_string()))?;
                write_private(&path, &text).map_err(|e| invalid("signing_key_file", format!("{shown}: {e}")))?;
                self.app.log_key = Some(Arc::new(key));
                Ok((self, Some(path)))
            }
            Err(e) => Err(invalid("signing_key_file", format!("{shown}: {e}"))),
        }
    }

    /// Resolves the sealing keys when `sealing_keys` is not set: read from `sealing_keys_file`;
    /// where the file does not exist, demo mode and the debug profile generate one key there,
    /// anything else is refused. Returns the file written, if any.
    pub fn with_sealing_keys(mut self) -> Result<(Self, Option<PathBuf>), ConfigError> {
        if self.app.keyring.is_some() {
            return Ok((self, None));
        }
        let path = self.app.sealing_keys_file.clone();
        let shown = path.display().to_string();
        let active = self.app.sealing_active_key.clone();
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let ring = Keyring::parse_text(&text, active.as_deref())
                    .map_err(|e| invalid("sealing_keys_file", format!("{shown}: {e}")))?;
                self.app.keyring = Some(Arc::new(ring));
                Ok((self, None))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if !self.app.demo && *self.figment.profile() == rocket::Config::RELEASE_PROFILE {
                    return Err(ConfigError::MissingSealingKeys(shown));
                }
                let (ring, text) = Keyring::generate("k1").map_err(|e| invalid("sealing_keys", e.to_string()))?;
                write_private(&path, &text).map_err(|e| invalid("sealing_keys_file", format!("{shown}: {e}")))?;
                self.app.keyring = Some(Arc::new(ring));
                Ok((self, Some(path)))
            }
            Err(e) => Err(invalid("sealing_keys_file", format!("{shown}: {e}"))),
        }
    }

    /// A configuration for tests: debug profile, a fixed secret key, quiet logs, the given
    /// database and upload directory.
    pub fn for_tests(database_url: &str, upload_dir: &std::path::Path) -> Self {
        Self::for_tests_with(database_url, upload_dir, &[])
    }

    /// As [`Config::for_tests`], with more settings (`("client_ip_header", "X-Real-IP")`).
    pub fn for_tests_with(database_url: &str, upload_dir: &std::path::Path, settings: &[(&str, &str)]) -> Self {
        let mut figment = rocket::Config::figment()
            .merge(("profile", "debug"))
            .merge(("log_level", "off"))
            .merge((
                "secret_key",
                "8f1a5c3e7b9d2f4a6c8e0b1d3f5a7c9e2b4d6f8a0c2e4b6d8f0a2c4e6b8d0f2a",
            ))
            .merge(("database_url", database_url))
            .merge(("upload_dir", upload_dir.display().to_string()));
        for (key, value) in settings {
            figment = figment.merge((*key, *value));
        }
        // The test settings are all valid; a failure here is a bug in this function.
        let mut config = Self::from_figment(figment).expect("test configuration is valid");
        if config.app.log_key.is_none() {
            config.app.log_key = Some(Arc::new(LogKey::from_seed(TEST_LOG_ORIGIN, [0x5a; 32])));
        }
        if config.app.keyring.is_none() {
            let text = "test:MTExMTExMTExMTExMTExMTExMTExMTExMTExMTExMTE=";
            config.app.keyring = Keyring::parse_text(text, None).ok().map(Arc::new);
        }
        config
    }

    /// The figment Rocket is built from.
    pub fn figment(&self) -> &Figment {
        &self.figment
    }

    pub fn profile(&self) -> &Profile {
        self.figment.profile()
    }

    /// The effective configuration as `key = value` lines, with secrets redacted.
    pub fn redacted(&self) -> String {
        let rocket: Option<rocket::Config> = self.figment.extract().ok();
        let secret = if secret_key_provided(&self.figment) {
            "[set, redacted]"
        } else {
            "[not set: a random one is generated at each start; sessions end with a restart]"
        };
        let a = &self.app;
        let mut lines = vec![
            format!("profile = {}", self.figment.profile()),
            format!("database_url = {}", redact_url(&a.database_url)),
            format!("secret_key = {secret}"),
            format!("base_url = {}", a.base_url),
            format!("default_language = {}", a.default_language),
            format!("display_time_zone = {}", a.display_time_zone),
            format!("upload_dir = {}", a.upload_dir.display()),
            format!("demo = {}", a.demo),
            format!("ocid_prefix = {}", a.ocid_prefix),
            format!("party_scheme = {}", a.party_scheme),
            format!(
                "client_ip_header = {}",
                a.client_ip_header
                    .as_deref()
                    .unwrap_or("[none: the peer address is used]")
            ),
        ];
        lines.push(format!("session_idle_minutes = {}", a.session_idle.num_minutes()));
        lines.push(format!("session_absolute_hours = {}", a.session_absolute.num_hours()));
        lines.push(format!("token_lifetime_hours = {}", a.token_lifetime.num_hours()));
        lines.push(format!("completeness_check_days = {}", a.completeness_check_days));
        lines.push(format!("amendment_flag_percent = {}", a.amendment_flag_percent));
        lines.push(format!("max_upload_mb = {}", a.max_upload_bytes / (1024 * 1024)));
        lines.push(match &a.log_key {
            Some(key) => format!(
                "signing_key = [set, redacted; public key {}]",
                key.public().verifier_key()
            ),
            None => "signing_key = [not set: read from signing_key_file]".to_string(),
        });
        lines.push(format!("signing_key_file = {}", a.signing_key_file.display()));
        lines.push(format!(
            "checkpoint_interval_seconds = {}",
            a.checkpoint_interval.as_secs()
        ));
        lines.push(match &a.keyring {
            Some(ring) => format!(
                "sealing_keys = [set, redacted; ids {}; active {}]",
                ring.ids().join(", "),
                ring.active_id()
            ),
            None => "sealing_keys = [not set: read from sealing_keys_file]".to_string(),
        });
        lines.push(format!("sealing_keys_file = {}", a.sealing_keys_file.display()));
        if let Some(rc) = rocket {
            lines.push(format!("address = {}", rc.address));
            lines.push(format!("port = {}", rc.port));
        }
        lines.join("\n")
    }
}

impl fmt::Display for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

fn validate(raw: RawConfig) -> Result<AppConfig, ConfigError> {
    let database_url = raw.database_url.trim().to_string();
    let scheme = database_url.split_once(':').map(|(s, _)| s).unwrap_or("");
    if !matches!(scheme, "sqlite" | "postgres" | "postgresql") {
        return Err(invalid(
            "database_url",
            format!("{:?} is not a sqlite:// or postgres:// URL", redact_url(&database_url)),
        ));
    }
    let default_language = raw
        .default_language
        .parse::<Lang>()
        .map_err(|e| invalid("default_language", e.to_string()))?;
    let display_time_zone = raw.display_time_zone.parse::<Tz>().map_err(|_| {
        invalid(
            "display_time_zone",
            format!("unknown time zone {:?}", raw.display_time_zone),
        )
    })?;
    let prefix_ok = raw
        .ocid_prefix
        .strip_prefix("ocds-")
        .is_some_and(|p| p.len() == 6 && p.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
    if !prefix_ok {
        return Err(invalid(
            "ocid_prefix",
            format!(
                "{:?} must be `ocds-` and six lowercase letters or digits",
                raw.ocid_prefix
            ),
        ));
    }
    if raw.party_scheme.trim().is_empty() {
        return Err(invalid("party_scheme", "must not be empty"));
    }
    let client_ip_header = raw
        .client_ip_header
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty());
    if let Some(h) = &client_ip_header
        && !h.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return Err(invalid("client_ip_header", format!("{h:?} is not a header name")));
    }
    let positive = |key: &'static str, value: i64, max: i64| {
        if (1..=max).contains(&value) {
            Ok(value)
        } else {
            Err(invalid(key, format!("{value} is not between 1 and {max}")))
        }
    };
    let session_idle = chrono::Duration::minutes(positive("session_idle_minutes", raw.session_idle_minutes, 24 * 60)?);
    let session_absolute =
        chrono::Duration::hours(positive("session_absolute_hours", raw.session_absolute_hours, 24 * 30)?);
    let token_lifetime = chrono::Duration::hours(positive("token_lifetime_hours", raw.token_lifetime_hours, 24 * 365)?);
    let completeness_check_days = positive("completeness_check_days", raw.completeness_check_days, 365)?;
    let amendment_flag_percent = raw
        .amendment_flag_percent
        .trim()
        .parse::<rust_decimal::Decimal>()
        .ok()
        .filter(|p| *p > rust_decimal::Decimal::ZERO && *p <= rust_decimal::Decimal::ONE_HUNDRED)
        .ok_or_else(|| {
            invalid(
                "amendment_flag_percent",
                format!(
                    "{:?} is not a percentage above 0 and at most 100",
                    raw.amendment_flag_percent
                ),
            )
        })?;
    let max_upload_bytes = positive("max_upload_mb", raw.max_upload_mb, 1024)? as u64 * 1024 * 1024;
    let checkpoint_interval = std::time::Duration::from_secs(positive(
        "checkpoint_interval_seconds",
        raw.checkpoint_interval_seconds,
        24 * 60 * 60,
    )? as u64);
    let log_key = match raw.signing_key.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
        Some(text) => Some(Arc::new(
            LogKey::parse(text).map_err(|e| invalid("signing_key", e.to_string()))?,
        )),
        None => None,
    };
    let keyring = match raw.sealing_keys.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
        Some(text) => Some(Arc::new(
            Keyring::parse_text(text, raw.sealing_active_key.as_deref())
                .map_err(|e| invalid("sealing_keys", e.to_string()))?,
        )),
        None => None,
    };
    Ok(AppConfig {
        keyring,
        sealing_keys_file: raw.sealing_keys_file,
        sealing_active_key: raw.sealing_active_key,
        log_key,
        signing_key_file: raw.signing_key_file,
        checkpoint_interval,
        max_upload_bytes,
        completeness_check_days,
        amendment_flag_percent,
        session_idle,
        session_absolute,
        token_lifetime,
        database_url,
        base_url: raw.base_url.trim_end_matches('/').to_string(),
        default_language,
        display_time_zone,
        upload_dir: raw.upload_dir,
        demo: raw.demo,
        ocid_prefix: raw.ocid_prefix,
        party_scheme: raw.party_scheme.trim().to_string(),
        client_ip_header,
    })
}

/// Whether a real (non-zero) secret key was configured; Rocket's defaults carry a zero key.
fn secret_key_provided(figment: &Figment) -> bool {
    figment
        .extract_inner::<rocket::config::SecretKey>("secret_key")
        .is_ok_and(|key| !key.is_zero())
}

/// Hides the password in a URL such as `postgres://user:secret@host/db`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (authority, tail) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _password)) => format!("{scheme}://{user}:***@{host}{tail}"),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

/// The origin of the test configuration's fixed signing key.
pub const TEST_LOG_ORIGIN: &str = "ppp-registry.test/audit";

/// The log's origin when a key is generated: the host (and port) people reach the app at.
pub fn origin_of(base_url: &str) -> String {
    let host = base_url.split_once("://").map_or(base_url, |(_, rest)| rest);
    let host: String = host
        .trim_end_matches('/')
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '+')
        .collect();
    format!("{}/audit", if host.is_empty() { "ppp-registry" } else { &host })
}

/// Writes a private key readable by its owner only.
fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(format!("{text}\n").as_bytes())?;
    file.sync_all()
}

/// Rocket's secret key format: 64 hex digits (256 bits), from the operating system's generator.
fn random_hex_key() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rocket's defaults (which include a zero secret key) in the given profile.
    fn figment(profile: &str) -> Figment {
        rocket::Config::figment().select(profile)
    }

    #[test]
    fn defaults_are_the_documented_ones() {
        let config = Config::from_figment(figment("debug")).unwrap();
        let app = &config.app;
        assert_eq!(app.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(app.default_language, Lang::Ru);
        assert_eq!(app.display_time_zone, chrono_tz::Asia::Bishkek);
        assert!(!app.demo);
        assert_eq!(app.client_ip_header, None);
        assert_eq!(config.figment().extract_inner::<bool>("ip_header").ok(), Some(false));
    }

    #[test]
    fn release_without_secret_key_is_refused_unless_demo() {
        let err = Config::from_figment(figment("release")).unwrap_err();
        assert!(matches!(err, ConfigError::MissingSecretKey));
        assert!(!err.to_string().contains('\n'));

        let demo = Config::from_figment(figment("release").merge(("demo", "1"))).unwrap();
        assert!(demo.app.demo);
        let key: String = demo.figment().extract_inner("secret_key").unwrap();
        assert_eq!(key.len(), 64);

        let keyed = figment("release").merge(("secret_key", "ab".repeat(32)));
        assert!(Config::from_figment(keyed).is_ok());
    }

    #[test]
    fn invalid_settings_name_their_key() {
        let bad_url = Config::from_figment(figment("debug").merge(("database_url", "mysql://x"))).unwrap_err();
        assert_eq!(
            bad_url.to_string(),
            r#"database_url: "mysql://x" is not a sqlite:// or postgres:// URL"#
        );
        let bad_tz = Config::from_figment(figment("debug").merge(("display_time_zone", "Mars/Base"))).unwrap_err();
        assert_eq!(
            bad_tz.to_string(),
            r#"display_time_zone: unknown time zone "Mars/Base""#
        );
        let bad_prefix = Config::from_figment(figment("debug").merge(("ocid_prefix", "ocds-ABC"))).unwrap_err();
        assert!(bad_prefix.to_string().starts_with("ocid_prefix:"));
        let bad_demo = Config::from_figment(figment("debug").merge(("demo", "maybe"))).unwrap_err();
        assert!(bad_demo.to_string().contains("expected a boolean"), "{bad_demo}");
    }

    #[test]
    fn trusted_proxy_header_reaches_rocket() {
        let config = Config::from_figment(figment("debug").merge(("client_ip_header", "X-Real-IP"))).unwrap();
        assert_eq!(config.app.client_ip_header.as_deref(), Some("X-Real-IP"));
        assert_eq!(
            config.figment().extract_inner::<String>("ip_header").unwrap(),
            "X-Real-IP"
        );
    }

    #[test]
    fn redaction_hides_passwords_and_keys() {
        assert_eq!(
            redact_url("postgres://ppp:s3cret@db.local:5432/ppp"),
            "postgres://ppp:***@db.local:5432/ppp"
        );
        assert_eq!(
            redact_url("sqlite://ppp-registry.sqlite3"),
            "sqlite://ppp-registry.sqlite3"
        );
        let config = Config::from_figment(
            figment("debug")
                .merge(("secret_key", "cd".repeat(32)))
                .merge(("database_url", "postgres://u:pw@h/db")),
        )
        .unwrap();
        let shown = config.redacted();
        assert!(!shown.contains(&"cd".repeat(32)) && !shown.contains(":pw@"), "{shown}");
        assert!(shown.contains("secret_key = [set, redacted]"));
    }
}
