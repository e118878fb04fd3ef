//! Uploaded files, stored once per content under their SHA-256. One small interface, so an
//! object store can replace the local directory; the directory can be shared storage when several
//! app instances run.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use rocket::tokio::fs;
use sha2::{Digest, Sha256};

/// Where file contents live.
#[rocket::async_trait]
pub trait BlobStore: Send + Sync + 'static {
    /// Stores `content` unless the same content is already stored; its SHA-256 (hex).
    async fn put(&self, content: &[u8]) -> std::io::Result<String>;
    /// Stores the file at `path` (an upload spooled to disk) the same way, reading it in chunks:
    /// never the whole file in memory.
    async fn put_file(&self, path: &Path) -> std::io::Result<String>;
    /// The content stored under `sha256`.
    async fn get(&self, sha256: &str) -> std::io::Result<Vec<u8>>;
    /// The hashes of the contents last stored before `cutoff` (storing a content again counts
    /// as storing it: see [`collect`](crate::services::blob_collection::collect)).
    async fn stored_before(&self, cutoff: SystemTime) -> std::io::Result<Vec<String>>;
    /// Removes the content stored under `sha256`, if it was last stored before `cutoff`.
    async fn remove_if_before(&self, sha256: &str, cutoff: SystemTime) -> std::io::Result<bool>;
}

/// A local directory: `<root>/ab/cd/<sha256>`.
#[derive(Debug, Clone)]
pub struct LocalDirectory {
    root: PathBuf,
}

impl LocalDirectory {
    pub fn new(root: impl AsRef<Path>) -> Self {
        Self {
            root: root.as_ref().to_path_buf(),
        }
    }

    fn path_of(&self, sha256: &str) -> std::io::Result<PathBuf> {
        let valid = sha256.len() == 64 && sha256.bytes().all(|b| b.is_ascii_hexdigit());
        if !valid {
            return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a SHA-256"));
        }
        Ok(self.root.join(&sha256[..2]).join(&sha256[2..4]).join(sha256))
    }

    /// Copies `source` to `temporary` while hashing it, then files it under its hash (or drops
    /// it when that content is already stored).
    async fn copy_hashed(&self, source: &Path, temporary: &Path) -> std::io::Result<String> {
        use rocket::tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut hasher = Sha256::new();
        let mut input = fs::File::open(source).await?;
        let mut output = fs::File::create(temporary).await?;
        let mut chunk = vec![0_u8; 64 * 1024];
        loop {
            let read = input.read(&mut chunk).await?;
            if read == 0 {
                break;
            }
            hasher.update(&chunk[..read]);
            output.write_all(&chunk[..read]).await?;
        }
        output.flush().await?;
        let sha256 = hex(&hasher.finalize());
        let path = self.path_of(&sha256)?;
        if touched(&path).await? {
            fs::remove_file(temporary).await?;
        } else {
            fs::create_dir_all(path.parent().unwrap_or(&self.root)).await?;
            fs::rename(temporary, &path).await?;
        }
        Ok(sha256)
    }

    /// Where content with this hash is written, `(temporary, final)`, its directory made; `None`
    /// when it is already stored. Written under the temporary name and renamed, a reader never
    /// sees half a file.
    async fn staging(&self, sha256: &str) -> std::io::Result<Option<(PathBuf, PathBuf)>> {
        let path = self.path_of(sha256)?;
        if touched(&path).await? {
            return Ok(None);
        }
        let dir = path.parent().unwrap_or(&self.root).to_path_buf();
        fs::create_dir_all(&dir).await?;
        let temporary = dir.join(format!(".{sha256}.{}.part", crate::credentials::random_token()));
        Ok(Some((temporary, path)))
    }
}

/// Marks the content at `path` as stored now; `false` when it is not there (any more).
async fn touched(path: &Path) -> std::io::Result<bool> {
    let path = path.to_path_buf();
    let touched = rocket::tokio::task::spawn_blocking(move || {
        std::fs::File::options()
            .append(true)
            .open(&path)
            .and_then(|file| file.set_modified(SystemTime::now()))
    })
    .await
    .map_err(std::io::Error::other)?;
    match touched {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

/// When the content at `path` was last stored.
async fn stored_at(path: &Path) -> std::io::Result<SystemTime> {
    fs::metadata(path).await?.modified()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[rocket::async_trait]
impl BlobStore for LocalDirectory {
    async fn put(&self, content: &[u8]) -> std::io::Result<String> {
        let sha256 = hex(&Sha256::digest(content));
        if let Some((temporary, path)) = self.staging(&sha256).await? {
            fs::write(&temporary, content).await?;
            fs::rename(&temporary, &path).await?;
        }
        Ok(sha256)
    }

    async fn put_file(&self, source: &Path) -> std::io::Result<String> {
        // One read of the spool: hashed while it is copied (the spool may be on another file
        // system, so not moved) under a temporary name, then renamed to its hash.
        fs::create_dir_all(&self.root).await?;
        let temporary = self
            .root
            .join(format!(".upload.{}.part", crate::credentials::random_token()));
        let stored = self.copy_hashed(source, &temporary).await;
        if stored.is_err() {
            let _ = fs::remove_file(&temporary).await;
        }
        stored
    }

    async fn get(&self, sha256: &str) -> std::io::Result<Vec<u8>> {
        fs::read(self.path_of(sha256)?).await
    }

    async fn stored_before(&self, cutoff: SystemTime) -> std::io::Result<Vec<String>> {
        let mut found = Vec::new();
        let mut levels = vec![(self.root.clone(), 0)];
        while let Some((dir, depth)) = levels.pop() {
            let mut entries = match fs::read_dir(&dir).await {
                Ok(entries) => entries,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e),
            };
            while let Some(entry) = entries.next_entry().await? {
                let Ok(name) = entry.file_name().into_string() else {
                    continue;
                };
                if depth < 2 && name.len() == 2 && entry.file_type().await?.is_dir() {
                    levels.push((entry.path(), depth + 1));
                } else if depth == 2
                    && self.path_of(&name).is_ok_and(|p| p == entry.path())
                    && stored_at(&entry.path()).await? < cutoff
                {
                    found.push(name);
                }
            }
        }
        found.sort();
        Ok(found)
    }

    async fn remove_if_before(&self, sha256: &str, cutoff: SystemTime) -> std::io::Result<bool> {
        let path = self.path_of(sha256)?;
        // Moved aside first, then judged: a store of the same content that marked it before the
        // move shows in its time (and it is put back); one after the move finds it gone and
        // writes it anew. Never judged and then removed, with a store in between.
        let aside = path.with_file_name(format!(".{sha256}.{}.collect", crate::credentials::random_token()));
        match fs::rename(&path, &aside).await {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(e),
        }
        if stored_at(&aside).await? < cutoff {
            fs::remove_file(&aside).await?;
            return Ok(true);
        }
        // Put back without replacing a copy written meanwhile (the same content).
        match fs::hard_link(&aside, &path).await {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
        fs::remove_file(&aside).await?;
        Ok(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[rocket::async_test]
    async fn content_is_stored_once_under_its_hash() {
        let root = std::env::temp_dir().join(format!("ppp-blobs-{}", std::process::id()));
        let store = LocalDirectory::new(&root);
        let first = store.put(b"%PDF-1.7 feasibility").await.unwrap();
        let again = store.put(b"%PDF-1.7 feasibility").await.unwrap();
        assert_eq!(first, again);
        assert_eq!(first, hex(&Sha256::digest(b"%PDF-1.7 feasibility")));
        assert_eq!(store.get(&first).await.unwrap(), b"%PDF-1.7 feasibility");
        assert!(store.get("../../etc/passwd").await.is_err());
        // A spooled file is stored under the same hash, read in chunks.
        let spooled = root.join("upload.tmp");
        let large: Vec<u8> = (0..200_000_u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&spooled, &large).unwrap();
        let from_file = store.put_file(&spooled).await.unwrap();
        assert_eq!(from_file, store.put(&large).await.unwrap());
        assert_eq!(store.get(&from_file).await.unwrap(), large);
        // The same content again is dropped, not stored twice; no temporary file stays behind.
        assert_eq!(store.put_file(&spooled).await.unwrap(), from_file);
        let left: Vec<_> = std::fs::read_dir(&root)
            .unwrap()
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|name| name.ends_with(".part"))
            .collect();
        assert!(left.is_empty(), "{left:?}");
        std::fs::remove_dir_all(root).unwrap();
    }

    #[rocket::async_test]
    async fn storing_a_content_again_marks_it_as_stored_now() {
        let root = std::env::temp_dir().join(format!("ppp-blobs-again-{}", std::process::id()));
        let store = LocalDirectory::new(&root);
        let name = store.put(b"sealed").await.unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        let cutoff = SystemTime::now();
        assert_eq!(store.stored_before(cutoff).await.unwrap(), vec![name.clone()]);
        // Not removed when the cutoff is before its storing.
        let earlier = cutoff - std::time::Duration::from_secs(60);
        assert!(!store.remove_if_before(&name, earlier).await.unwrap());
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert_eq!(store.put(b"sealed").await.unwrap(), name);
        assert_eq!(store.stored_before(cutoff).await.unwrap(), Vec::<String>::new());
        assert!(
            !store.remove_if_before(&name, cutoff).await.unwrap(),
            "stored again since"
        );
        assert!(store.remove_if_before(&name, SystemTime::now()).await.unwrap());
        assert!(store.get(&name).await.is_err());
        assert!(
            !store.remove_if_before(&name, SystemTime::now()).await.unwrap(),
            "already gone"
        );
        std::fs::remove_dir_all(root).unwrap();
    }
}
