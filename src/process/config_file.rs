//! Configuration files a process reads from a ConfigMap volume (SEMANTICS.md §D.2,
//! `readConfigFile`): which ConfigMap key, if any, is the file at a path in the container.

use std::path::Path;

use crate::k8s::ObjectIndex;

use super::{ContainerFacts, PodFacts, SourceText};

/// A file of a container that comes from a ConfigMap in the input.
#[derive(Debug, Clone, Copy)]
pub struct MountedFile<'i> {
    pub config_map: &'i str,
    pub key: &'i str,
    pub text: &'i SourceText,
}

impl PodFacts {
    /// The ConfigMap key mounted at the absolute `path` of container `facts`, when the
    /// ConfigMap is in the input: a `subPath` mount of the file itself, or a directory mount
    /// whose `items` (or key names) hold the file name.
    pub fn mounted_file<'i>(
        &self,
        facts: &ContainerFacts,
        path: &str,
        index: &'i ObjectIndex,
    ) -> Option<MountedFile<'i>> {
        let path = Path::new(path);
        for mount in &facts.mounts {
            let mount_path = Path::new(mount.mount_path.trim_end_matches('/'));
            // The file's path inside the volume.
            let inside = match &mount.sub_path {
                Some(sub_path) if mount_path == path => sub_path.clone(),
                Some(_) => continue,
                None if path.parent() == Some(mount_path) => {
                    path.file_name()?.to_str()?.to_string()
                }
                None => continue,
            };
            for volume in self
                .config_map_volumes
                .iter()
                .filter(|v| v.volume == mount.volume)
            {
                let key = if volume.items.is_empty() {
                    inside.as_str()
                } else {
                    match volume.items.iter().find(|(_, p)| *p == inside) {
                        Some((key, _)) => key.as_str(),
                        None => continue,
                    }
                };
                let config_map =
                    index.config_map(self.namespace.as_deref(), &volume.config_map, self.file)?;
                if let Some((key, text)) = config_map.data.get_key_value(key) {
                    return Some(MountedFile {
                        config_map: &config_map.name,
                        key,
                        text,
                    });
                }
            }
        }
        None
    }
}
