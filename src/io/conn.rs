//! A TWS API connection speaking the text protocol: handshake, START_API, framed reads into one
//! fixed buffer and requests encoded into one reused buffer.

use crate::wire::{
    self, DecodeError, FrameError, FrameReader, Request, VersionRange, text::ServerMessage,
};
use std::io::{self, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

/// The version range the engine offers (defined with the codec that implements it): text only,
/// so every frame is NUL-separated fields.
pub use crate::wire::ENGINE_VERSIONS;

/// Why a connection could not be established or used.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("cannot connect to {addr}: {source}")]
    Connect { addr: String, source: io::Error },
    #[error("I/O error: {0}")]
    Io(#[from] io::Error),
    #[error("handshake failed: {0}")]
    Handshake(wire::HandshakeError),
    /// The server answered a version whose request layouts the engine does not encode.
    #[error(
        "the server answered version {server}; this engine encodes requests for {supported} only \
         (PLACE_ORDER and CANCEL_ORDER have other layouts at other versions)"
    )]
    Version {
        server: i32,
        supported: VersionRange,
    },
    #[error("protocol error: {0}")]
    Frame(FrameError),
    #[error("malformed message: {0}")]
    Decode(DecodeError),
    #[error("TWS error {code}: {message}")]
    Rejected { code: i32, message: String },
    #[error("the gateway closed the connection")]
    Closed,
    #[error("timed out waiting for {0}")]
    Timeout(&'static str),
}

/// A connected, API-started TWS session on the text protocol.
pub struct TwsConnection {
    stream: TcpStream,
    reader: FrameReader,
    out: Vec<u8>,
    /// Negotiated server version.
    pub server_version: i32,
    /// First order id from NEXT_VALID_ID.
    pub next_valid_id: i32,
    /// Accounts from MANAGED_ACCTS.
    pub accounts: String,
}

impl TwsConnection {
    /// Connects, negotiates, starts the API with `client_id` and waits (up to `timeout`) for
    /// NEXT_VALID_ID and MANAGED_ACCTS. Error 326 (client id in use) is returned as
    /// [`ConnectError::Rejected`]; a server version outside [`ENGINE_VERSIONS`] as
    /// [`ConnectError::Version`], before START_API is sent.
    ///
    /// # Errors
    /// A [`ConnectError`].
    pub fn connect(addr: &str, client_id: i32, timeout: Duration) -> Result<Self, ConnectError> {
        let sock: SocketAddr = addr
            .to_socket_addrs()
            .map_err(|source| ConnectError::Connect {
                addr: addr.into(),
                source,
            })?
            .next()
            .ok_or_else(|| ConnectError::Connect {
                addr: addr.into(),
                source: io::ErrorKind::NotFound.into(),
            })?;
        let mut stream =
            TcpStream::connect_timeout(&sock, timeout).map_err(|source| ConnectError::Connect {
                addr: addr.into(),
                source,
            })?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(timeout.min(Duration::from_secs(1))))?;
        let mut out = Vec::with_capacity(64 * 1024);
        wire::encode_client_hello(&mut out, ENGINE_VERSIONS);
        stream.write_all(&out)?;
        out.clear();
        let mut conn = TwsConnection {
            stream,
            reader: FrameReader::new(crate::config::DEFAULT_MAX_FRAME),
            out,
            server_version: 0,
            next_valid_id: 0,
            accounts: String::new(),
        };
        let deadline = Instant::now() + timeout;
        let hello = conn
            .next_frame_until(deadline, "the server version")?
            .to_vec();
        let (version, _time) =
            wire::decode_server_hello(&hello).map_err(ConnectError::Handshake)?;
        if !ENGINE_VERSIONS.contains(version) {
            // Before START_API: nothing was sent that the server could read in another layout.
            return Err(ConnectError::Version {
                server: version,
                supported: ENGINE_VERSIONS,
            });
        }
        conn.server_version = version;
        conn.send(&Request::StartApi {
            client_id,
            optional_capabilities: "",
        })?;
        while conn.next_valid_id == 0 || conn.accounts.is_empty() {
            let version = conn.server_version;
            let body = conn.next_frame_until(deadline, "NEXT_VALID_ID and MANAGED_ACCTS")?;
            match ServerMessage::decode(body, version) {
                Ok(ServerMessage::NextValidId(n)) => conn.next_valid_id = n.order_id,
                Ok(ServerMessage::ManagedAccts(a)) => conn.accounts = a.accounts.to_string(),
                Ok(ServerMessage::Error(e)) if e.code == wire::ids::codes::CLIENT_ID_IN_USE => {
                    return Err(ConnectError::Rejected {
                        code: e.code,
                        message: e.message.to_string(),
                    });
                }
                _ => {}
            }
        }
        Ok(conn)
    }

    /// Encodes and writes one request.
    ///
    /// # Errors
    /// The socket's I/O error.
    pub fn send(&mut self, req: &Request<'_>) -> io::Result<()> {
        self.out.clear();
        req.encode_text(&mut self.out);
        self.stream.write_all(&self.out)
    }

    fn next_frame_until(
        &mut self,
        deadline: Instant,
        what: &'static str,
    ) -> Result<&[u8], ConnectError> {
        loop {
            // Decide first, then borrow: a complete frame (or a bad prefix) is already buffered.
            let ready = !matches!(
                wire::split_frame(self.reader.pending(), self.reader.max_frame()),
                Ok(None)
            );
            if ready {
                return self
                    .reader
                    .next_frame()
                    .map_err(ConnectError::Frame)?
                    .ok_or(ConnectError::Timeout(what));
            }
            if Instant::now() >= deadline {
                return Err(ConnectError::Timeout(what));
            }
            match self.reader.fill_from(&mut self.stream) {
                Ok(0) => return Err(ConnectError::Closed),
                Ok(_) => {}
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) => {}
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// The next frame body, waiting at most `timeout`.
    ///
    /// # Errors
    /// [`ConnectError::Timeout`], [`ConnectError::Closed`], or a framing/I/O error.
    pub fn next_frame(&mut self, timeout: Duration) -> Result<&[u8], ConnectError> {
        self.next_frame_until(Instant::now() + timeout, "a message")
    }

    /// Writes bytes as they are (already framed): for tools and tests that need to send what a
    /// well-behaved client would not.
    ///
    /// # Errors
    /// The socket's I/O error.
    pub fn send_raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stream.write_all(bytes)
    }

    /// Gives the socket and the read buffer (with anything already received) to the io stage.
    pub fn into_parts(self) -> (TcpStream, FrameReader) {
        (self.stream, self.reader)
    }
}
