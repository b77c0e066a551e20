//! Ctrl-C as the platform delivers it: SIGINT on Unix, a console control event elsewhere
//! (`tokio::signal::ctrl_c`). The one place the plugin and its host program wait for it, so a
//! port touches this file, not its callers.

/// Interrupts, from the moment it is made: one made before a line is printed misses none.
pub struct Interrupts {
    #[cfg(unix)]
    signal: tokio::signal::unix::Signal,
}

impl Interrupts {
    pub fn listen() -> std::io::Result<Self> {
        Ok(Self {
            #[cfg(unix)]
            signal: tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?,
        })
    }

    /// The next interrupt; `None` once none can come.
    pub async fn next(&mut self) -> Option<()> {
        #[cfg(unix)]
        return self.signal.recv().await;
        #[cfg(not(unix))]
        return tokio::signal::ctrl_c().await.ok();
    }
}
