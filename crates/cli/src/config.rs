//! Where `tim`'s settings come from: flags, then environment variables (clap reads both), then
//! a profile of the config file, then defaults.
//!
//! The config file (`--config`, `TIM_CONFIG`, or `$XDG_CONFIG_HOME/tim/config.toml`, by default
//! `~/.config/tim/config.toml`) holds profiles of app × region × admin:
//!
//! ```toml
//! default = "prod"
//!
//! [profiles.prod]
//! sdkappid = 1400000000
//! identifier = "administrator"
//! region = "singapore"
//! secret_key = "..."   # only in a file no one else can read (mode 0600)
//! ```

use std::fs;
use std::path::{Path, PathBuf};

use clap::Args;
use tencent_im::{Client, ClientBuilder, Region, TlsOptions};
use toml_edit::{DocumentMut, Item, Table, value};

use crate::output::Failure;

/// The settings every command that talks to Tencent shares. Every command takes them; its help
/// lists them under their own heading, after the command's own options.
#[derive(Clone, Args)]
#[command(next_help_heading = "Global options")]
pub(crate) struct GlobalArgs {
    /// The app's SDKAppID.
    #[arg(long, global = true, env = "TIM_SDKAPPID")]
    pub(crate) sdkappid: Option<String>,
    /// The app admin's UserID.
    #[arg(long, global = true, env = "TIM_IDENTIFIER")]
    pub(crate) identifier: Option<String>,
    /// The app's secret key (prefer the environment variable: flags show in the process list).
    #[arg(long, global = true, env = "TIM_SECRET_KEY", hide_env_values = true)]
    pub(crate) secret_key: Option<String>,
    /// The data centre of the app: china, singapore, seoul, tokyo, frankfurt, mumbai,
    /// silicon-valley, jakarta.
    #[arg(long, global = true, env = "TIM_REGION")]
    pub(crate) region: Option<String>,
    /// A server URL instead of a region (e.g. an emulator: http://127.0.0.1:8080).
    #[arg(long, global = true, env = "TIM_ENDPOINT")]
    pub(crate) endpoint: Option<String>,
    /// The profile of the config file to use.
    #[arg(long, global = true, env = "TIM_PROFILE")]
    pub(crate) profile: Option<String>,
    /// The config file.
    #[arg(long, global = true, env = "TIM_CONFIG")]
    pub(crate) config: Option<PathBuf>,
    /// Also trust the CA certificates of this PEM file (e.g. a corporate proxy's).
    #[arg(long, global = true, value_name = "PATH")]
    pub(crate) ca_cert: Option<PathBuf>,
    /// Share the app's rate limit with every process using the same Redis (a fleet, or imports
    /// from several machines): redis:// or rediss:// URL, with a password if any.
    #[arg(
        long,
        global = true,
        env = "TIM_REDIS_URL",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub(crate) redis: Option<String>,
    /// With --redis: how many processes share the quota, for the local fallback's share when
    /// Redis does not answer (default 1).
    #[arg(long, global = true, env = "TIM_FLEET_SIZE", value_name = "N")]
    pub(crate) fleet_size: Option<u32>,
    /// Print one JSON document (JSON lines for streams) on stdout instead of tables.
    #[arg(long, global = true)]
    pub(crate) json: bool,
    /// Trace requests on stderr (-v: calls, -vv: attempts); never shows secrets.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub(crate) verbose: u8,
}

/// The keys a profile may hold.
pub(crate) const KEYS: [&str; 5] = ["sdkappid", "identifier", "secret_key", "region", "endpoint"];

/// The settings after flags, environment and profile.
#[derive(Default)]
pub(crate) struct Settings {
    pub(crate) sdkappid: Option<String>,
    pub(crate) identifier: Option<String>,
    pub(crate) secret_key: Option<String>,
    pub(crate) region: Option<String>,
    pub(crate) endpoint: Option<String>,
}

/// How to set `key` (a config key such as `sdkappid`): the flag, the environment variable and
/// the `tim config set` command, as a parenthesis to append to a message.
pub(crate) fn how_to_set(key: &str) -> String {
    format!(
        " (pass --{}, set TIM_{} or run `tim config set {key} <VALUE>`)",
        key.replace('_', "-"),
        key.to_ascii_uppercase()
    )
}

/// "TIM_SDKAPPID is not set (pass --sdkappid, …)": the one wording of a missing setting.
pub(crate) fn not_set(key: &str) -> Failure {
    Failure::config(format!(
        "TIM_{} is not set{}",
        key.to_ascii_uppercase(),
        how_to_set(key)
    ))
}

impl Settings {
    /// The SDKAppID as a number; says when it is missing or not a number.
    pub(crate) fn sdkappid(&self) -> Result<u64, Failure> {
        let id = self
            .sdkappid
            .as_deref()
            .ok_or_else(|| not_set("sdkappid"))?;
        id.trim().parse().map_err(|_| {
            Failure::config(format!(
                "the SDKAppID {id:?} is not a number (copy it from the console's app list)"
            ))
        })
    }
}

/// `Some(<redacted>)` or `None`: whether a secret is set, never its value.
fn redacted(secret: &Option<String>) -> Option<&'static str> {
    secret.as_ref().map(|_| "<redacted>")
}

impl std::fmt::Debug for GlobalArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GlobalArgs")
            .field("sdkappid", &self.sdkappid)
            .field("identifier", &self.identifier)
            .field("secret_key", &redacted(&self.secret_key))
            .field("region", &self.region)
            .field("endpoint", &self.endpoint)
            .field("profile", &self.profile)
            .field("config", &self.config)
            .field("ca_cert", &self.ca_cert)
            .field("redis", &redacted(&self.redis))
            .field("fleet_size", &self.fleet_size)
            .field("json", &self.json)
            .field("verbose", &self.verbose)
            .finish()
    }
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("sdkappid", &self.sdkappid)
            .field("identifier", &self.identifier)
            .field("secret_key", &redacted(&self.secret_key))
            .field("region", &self.region)
            .field("endpoint", &self.endpoint)
            .finish()
    }
}

impl GlobalArgs {
    /// The config file's path.
    pub(crate) fn config_path(&self) -> Option<PathBuf> {
        if let Some(path) = &self.config {
            return Some(path.clone());
        }
        let base = std::env::var_os("XDG_CONFIG_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
        Some(base.join("tim").join("config.toml"))
    }

    /// Flags and environment, then the profile for what they leave unset.
    pub(crate) fn settings(&self) -> Result<Settings, Failure> {
        let set = |v: &Option<String>| v.clone().filter(|v| !v.trim().is_empty());
        let mut settings = Settings {
            sdkappid: set(&self.sdkappid),
            identifier: set(&self.identifier),
            secret_key: set(&self.secret_key),
            region: set(&self.region),
            endpoint: set(&self.endpoint),
        };
        if let Some(path) = self.config_path() {
            if let Some(file) = ConfigFile::load(&path)? {
                let name = self.profile.clone().or_else(|| file.default_profile());
                if let Some(name) = name {
                    let profile = file.profile(&name).ok_or_else(|| {
                        Failure::config(format!("no profile {name:?} in {}", path.display()))
                    })?;
                    let fill = |slot: &mut Option<String>, key: &str| {
                        if slot.is_none() {
                            *slot = profile.get(key).and_then(item_text);
                        }
                    };
                    fill(&mut settings.sdkappid, "sdkappid");
                    fill(&mut settings.identifier, "identifier");
                    fill(&mut settings.secret_key, "secret_key");
                    // A region or an endpoint given above replaces the profile's target.
                    if settings.region.is_none() && settings.endpoint.is_none() {
                        fill(&mut settings.region, "region");
                        fill(&mut settings.endpoint, "endpoint");
                    }
                }
            } else if let Some(name) = &self.profile {
                return Err(Failure::config(format!(
                    "profile {name:?} asked for, but there is no config file at {}",
                    path.display()
                )));
            }
        }
        Ok(settings)
    }

    /// A client from the settings; says which setting is missing or bad, never the key.
    pub(crate) fn client(&self) -> Result<Client, Failure> {
        self.builder()?.build().map_err(Failure::from)
    }

    /// A client builder from the settings, for commands that set more (timeouts, retries, rate
    /// limiter) before building; errors as for [`client`](Self::client).
    pub(crate) fn builder(&self) -> Result<ClientBuilder, Failure> {
        let s = self.settings()?;
        let lookup = |name: &str| match name {
            "TIM_SDKAPPID" => s.sdkappid.clone(),
            "TIM_IDENTIFIER" => s.identifier.clone(),
            "TIM_SECRET_KEY" => s.secret_key.clone(),
            "TIM_REGION" => s.region.clone(),
            "TIM_ENDPOINT" => s.endpoint.clone(),
            // Other TIM_* settings come from the resolved settings only; the proxy variables
            // (HTTPS_PROXY, NO_PROXY, …) from the environment, as in the library's from_env.
            _ if name.starts_with("TIM_") => None,
            _ => std::env::var(name).ok(),
        };
        let mut builder = ClientBuilder::from_lookup(lookup).map_err(|e| {
            let message = e.to_string();
            // The facade names the variable; say the flag and the config key too.
            let hint = KEYS
                .iter()
                .find(|k| message.contains(&format!("TIM_{}", k.to_ascii_uppercase())))
                .map(|k| how_to_set(k))
                .unwrap_or_default();
            Failure::config(format!("{message}{hint}"))
        })?;
        if let Some(path) = &self.ca_cert {
            let pem = fs::read(path).map_err(|e| {
                Failure::config(format!("cannot read --ca-cert {}: {e}", path.display()))
            })?;
            let tls = TlsOptions::new()
                .add_root_pem(&pem)
                .map_err(|e| Failure::config(format!("--ca-cert {}: {e}", path.display())))?;
            builder = builder.tls(tls);
        }
        if let Some(url) = self.redis.as_deref().filter(|u| !u.trim().is_empty()) {
            // from_lookup succeeded, so the SDKAppID parses.
            let sdkappid = s
                .sdkappid
                .as_deref()
                .and_then(|id| id.trim().parse().ok())
                .unwrap_or_default();
            let mut limiter = tencent_im_ratelimit_redis::RedisRateLimiter::builder(url, sdkappid);
            if let Some(n) = self.fleet_size {
                limiter = limiter.fleet_size(n);
            }
            let limiter = limiter.build().map_err(|e| {
                Failure::config(format!("--redis: {}", crate::output::with_causes(&e)))
            })?;
            builder = builder.rate_limiter(std::sync::Arc::new(limiter));
        }
        Ok(builder)
    }
}

/// The text of a TOML value: strings as they are, integers in decimal.
fn item_text(item: &Item) -> Option<String> {
    item.as_str()
        .map(str::to_owned)
        .or_else(|| item.as_integer().map(|i| i.to_string()))
}

/// The config file, parsed.
pub(crate) struct ConfigFile {
    path: PathBuf,
    doc: DocumentMut,
}

impl ConfigFile {
    /// The file at `path`, or `None` if there is none. Refuses a file holding a secret key that
    /// others can read.
    pub(crate) fn load(path: &Path) -> Result<Option<Self>, Failure> {
        let text = match fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(Failure::config(format!(
                    "cannot read the config file {}: {e}",
                    path.display()
                )));
            }
        };
        let doc: DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| {
            Failure::config(format!(
                "the config file {} is not valid TOML: {}",
                path.display(),
                e.message()
            ))
        })?;
        let file = Self {
            path: path.to_owned(),
            doc,
        };
        if file.holds_a_key() {
            check_private(path)?;
        }
        Ok(Some(file))
    }

    /// An empty file at `path`, to be saved.
    pub(crate) fn empty(path: &Path) -> Self {
        Self {
            path: path.to_owned(),
            doc: DocumentMut::new(),
        }
    }

    fn profiles(&self) -> Option<&Table> {
        self.doc.get("profiles").and_then(Item::as_table)
    }

    fn holds_a_key(&self) -> bool {
        self.profiles().is_some_and(|profiles| {
            profiles
                .iter()
                .any(|(_, p)| p.as_table().is_some_and(|t| t.contains_key("secret_key")))
        })
    }

    /// The profile named by `default`, or `"default"` if such a profile exists.
    pub(crate) fn default_profile(&self) -> Option<String> {
        if let Some(name) = self.doc.get("default").and_then(Item::as_str) {
            return Some(name.to_owned());
        }
        self.profile("default").map(|_| "default".to_owned())
    }

    pub(crate) fn profile(&self, name: &str) -> Option<&Table> {
        self.profiles()?.get(name)?.as_table()
    }

    /// Every profile with its settings; the secret key shown as `<redacted>`.
    pub(crate) fn list(&self) -> Vec<(String, Vec<(String, String)>)> {
        let Some(profiles) = self.profiles() else {
            return Vec::new();
        };
        profiles
            .iter()
            .filter_map(|(name, p)| {
                let table = p.as_table()?;
                let values = table
                    .iter()
                    .map(|(k, v)| {
                        let text = if k == "secret_key" {
                            "<redacted>".to_owned()
                        } else {
                            item_text(v).unwrap_or_else(|| v.to_string().trim().to_owned())
                        };
                        (k.to_owned(), text)
                    })
                    .collect();
                Some((name.to_owned(), values))
            })
            .collect()
    }

    /// Sets `key` of profile `name` to `text` (checked: a number for `sdkappid`, a known
    /// region for `region`).
    pub(crate) fn set(&mut self, name: &str, key: &str, text: &str) -> Result<(), Failure> {
        if !KEYS.contains(&key) {
            return Err(Failure::usage(format!(
                "unknown key {key:?}: expected one of {}",
                KEYS.join(", ")
            )));
        }
        let item = match key {
            "sdkappid" => {
                let n: i64 = text.trim().parse().map_err(|_| {
                    Failure::usage(format!("sdkappid must be a number, not {text:?}"))
                })?;
                value(n)
            }
            "region" => {
                let region: Region = text
                    .parse()
                    .map_err(|e| Failure::usage(format!("region {text:?}: {e}")))?;
                value(region.as_str())
            }
            _ => value(text),
        };
        let profiles = self.doc["profiles"].or_insert(toml_edit::table());
        let profile = profiles
            .as_table_mut()
            .ok_or_else(|| Failure::config("`profiles` in the config file is not a table"))?
            .entry(name)
            .or_insert(toml_edit::table());
        let table = profile
            .as_table_mut()
            .ok_or_else(|| Failure::config(format!("profile {name:?} is not a table")))?;
        table.insert(key, item);
        if self.doc.get("default").is_none() {
            self.doc["default"] = value(name);
        }
        Ok(())
    }

    /// Writes the file with mode 0600 (created so, then renamed into place).
    pub(crate) fn save(&self) -> Result<(), Failure> {
        let fail = |e: std::io::Error| {
            Failure::config(format!(
                "cannot write the config file {}: {e}",
                self.path.display()
            ))
        };
        if let Some(dir) = self.path.parent() {
            fs::create_dir_all(dir).map_err(fail)?;
        }
        let tmp = self
            .path
            .with_extension(format!("toml.{}.tmp", std::process::id()));
        write_private(&tmp, self.doc.to_string().as_bytes()).map_err(fail)?;
        fs::rename(&tmp, &self.path).map_err(fail)
    }
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    fs::write(path, bytes)
}

/// Refuses a file that holds a secret key and that the group or others may read.
#[cfg(unix)]
fn check_private(path: &Path) -> Result<(), Failure> {
    use std::os::unix::fs::PermissionsExt;
    let mode = fs::metadata(path)
        .map_err(|e| Failure::config(format!("cannot read {}: {e}", path.display())))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(Failure::config(format!(
            "the config file {} holds a secret key but others may read it (mode {:o}); run `chmod 600 {}`",
            path.display(),
            mode & 0o777,
            path.display()
        )));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_path: &Path) -> Result<(), Failure> {
    Ok(())
}
