//! `tim config set | list`.

use clap::Subcommand;
use serde_json::{Map, Value, json};

use crate::config::{ConfigFile, GlobalArgs, KEYS};
use crate::output::{Exit, Failure, Out};

/// Config file commands.
#[derive(Debug, Subcommand)]
pub(crate) enum ConfigCommand {
    /// Set a key of a profile (the profile given with --profile, else "default"). The file is
    /// written with mode 0600.
    Set {
        /// sdkappid, identifier, secret_key, region or endpoint.
        key: String,
        /// The value.
        value: String,
    },
    /// Every profile and its settings (the secret key shown redacted).
    List,
}

impl ConfigCommand {
    pub(crate) fn run(self, global: &GlobalArgs, out: Out) -> Result<Exit, Failure> {
        let path = global
            .config_path()
            .ok_or_else(|| Failure::config("no config file path: set --config or TIM_CONFIG"))?;
        match self {
            Self::Set { key, value } => {
                let mut file = ConfigFile::load(&path)?.unwrap_or_else(|| ConfigFile::empty(&path));
                let profile = global
                    .profile
                    .clone()
                    .unwrap_or_else(|| "default".to_owned());
                file.set(&profile, &key, &value)?;
                file.save()?;
                let shown = if key == "secret_key" {
                    "<redacted>"
                } else {
                    value.as_str()
                };
                let document =
                    json!({"profile": profile, "key": key, "value": shown, "file": path});
                out.emit(
                    &document,
                    format!("{profile}.{key} = {shown} ({})\n", path.display()),
                );
                Ok(Exit::Success)
            }
            Self::List => {
                let profiles = ConfigFile::load(&path)?
                    .map(|f| f.list())
                    .unwrap_or_default();
                let mut document = Map::new();
                let mut human = String::new();
                for (name, values) in &profiles {
                    human.push_str(&format!("[{name}]\n"));
                    let mut table = Map::new();
                    for (k, v) in values {
                        human.push_str(&format!("  {k} = {v}\n"));
                        table.insert(k.clone(), Value::String(v.clone()));
                    }
                    document.insert(name.clone(), Value::Object(table));
                }
                if profiles.is_empty() {
                    human = format!(
                        "no profiles in {} (keys: {})\n",
                        path.display(),
                        KEYS.join(", ")
                    );
                }
                out.emit(&Value::Object(document), human);
                Ok(Exit::Success)
            }
        }
    }
}
