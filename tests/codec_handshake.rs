//! The handshake: version ranges, TWS's version negotiation, and the hello bytes both ways.

use hft::wire::handshake::API_PREFIX;
use hft::wire::{
    HandshakeError, Negotiated, VersionRange, decode_server_hello, encode_client_hello,
    encode_server_hello, negotiate, parse_version_range, split_frame,
};

#[test]
fn version_ranges_parse_as_clients_send_them() {
    let ok: &[(&[u8], i32, i32)] = &[
        (b"v213..226", 213, 226), // ibapi (Rust)
        (b"v100..226", 100, 226), // official Python client
        (b"v157..178", 157, 178), // ib-async
        (b"v100..178 +PACEAPI", 100, 178),
        (b"v178", 178, 178),
        (b"100..178", 100, 178),
        (b"v100..178\0", 100, 178),
    ];
    for &(body, min, max) in ok {
        assert_eq!(
            parse_version_range(body),
            Ok(VersionRange { min, max }),
            "{:?}",
            String::from_utf8_lossy(body)
        );
    }
    let bad: &[&[u8]] = &[
        b"",
        b"v",
        b"v100..",
        b"v..178",
        b"vx..178",
        b"v178..100",
        b"v-1..5",
        b"v1..3000000000",
        b"v100...178",
        b"API\0",
    ];
    for &body in bad {
        assert_eq!(
            parse_version_range(body),
            Err(HandshakeError::BadVersionRange),
            "{:?}",
            String::from_utf8_lossy(body)
        );
    }
}

#[test]
fn negotiation_picks_what_tws_picks() {
    fn text(version: i32) -> Result<Negotiated, HandshakeError> {
        Ok(Negotiated {
            version,
            protobuf: false,
        })
    }
    fn protobuf(version: i32) -> Result<Negotiated, HandshakeError> {
        Ok(Negotiated {
            version,
            protobuf: true,
        })
    }
    fn refused(min: i32, max: i32) -> Result<Negotiated, HandshakeError> {
        Err(HandshakeError::Unsupported { min, max })
    }
    let cases = [
        ((213, 226), protobuf(226)), // ibapi
        ((100, 226), text(178)),     // official Python client
        ((157, 178), text(178)),     // ib-async
        ((100, 150), text(150)),
        ((201, 210), protobuf(210)),
        ((213, 300), protobuf(226)),
        ((227, 230), refused(227, 230)),
        ((10, 50), refused(10, 50)),
        ((99, 99), refused(99, 99)),
        ((179, 190), refused(179, 190)),
        ((200, 226), refused(200, 226)),
    ];
    for ((min, max), expected) in cases {
        assert_eq!(
            negotiate(VersionRange { min, max }),
            expected,
            "v{min}..{max}"
        );
    }
    assert!(
        negotiate(VersionRange { min: 213, max: 226 })
            .unwrap()
            .binary_ids()
    );
    assert!(
        !negotiate(VersionRange { min: 100, max: 226 })
            .unwrap()
            .binary_ids()
    );
}

#[test]
fn client_hello_matches_the_bytes_ibapi_sends() {
    let mut out = Vec::new();
    encode_client_hello(&mut out, VersionRange { min: 213, max: 226 });
    let mut expected = b"API\0".to_vec();
    expected.extend([0, 0, 0, 9]);
    expected.extend(b"v213..226");
    assert_eq!(out, expected);

    // And the server side reads it back.
    let rest = out.strip_prefix(API_PREFIX).expect("API prefix");
    let (body, used) = split_frame(rest, 1024).unwrap().unwrap();
    assert_eq!(used, rest.len());
    assert_eq!(
        parse_version_range(body),
        Ok(VersionRange { min: 213, max: 226 })
    );

    // A single version is written as a range too, as the official clients and ibapi always write
    // it (`v178..178`, not `v178`).
    let mut single = Vec::new();
    encode_client_hello(&mut single, VersionRange { min: 178, max: 178 });
    assert_eq!(single, b"API\0\0\0\0\x09v178..178");
}

#[test]
fn server_hello_matches_the_documented_bytes() {
    let mut out = Vec::new();
    encode_server_hello(&mut out, 226, "20240120 12:00:00 EST");
    let mut expected = vec![0, 0, 0, 0x1a];
    expected.extend(b"226\x0020240120 12:00:00 EST\x00");
    assert_eq!(out, expected);
    assert_eq!(
        decode_server_hello(&out[4..]),
        Ok((226, "20240120 12:00:00 EST"))
    );
    assert_eq!(decode_server_hello(b"178\0"), Ok((178, "")));
    for bad in [&b""[..], &b"x\0"[..], &b"\0"[..], &b"178"[..]] {
        assert_eq!(
            decode_server_hello(bad),
            Err(HandshakeError::BadServerVersion),
            "{bad:?}"
        );
    }
}

/// A one-connection fake TWS on loopback: reads the client's hello, answers `server_version`,
/// then (for 178) starts the API like TWS; returns what the client offered and whether it went
/// on to send START_API.
fn fake_tws(server_version: i32) -> (String, std::thread::JoinHandle<(String, bool)>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("loopback listener");
    let addr = listener.local_addr().unwrap().to_string();
    let server = std::thread::spawn(move || {
        let (mut sock, _) = listener.accept().expect("the client connects");
        let mut prefix = [0u8; 8];
        sock.read_exact(&mut prefix).unwrap();
        assert_eq!(&prefix[..4], API_PREFIX);
        let len = u32::from_be_bytes(prefix[4..].try_into().unwrap()) as usize;
        let mut offered = vec![0u8; len];
        sock.read_exact(&mut offered).unwrap();
        let mut out = Vec::new();
        encode_server_hello(&mut out, server_version, "20260102 09:30:00 EST");
        sock.write_all(&out).unwrap();
        // The next frame is START_API (71) if the client accepted the version; a client that
        // refuses closes the socket instead.
        let mut len = [0u8; 4];
        let started = sock.read_exact(&mut len).is_ok() && {
            let mut body = vec![0u8; u32::from_be_bytes(len) as usize];
            sock.read_exact(&mut body).is_ok() && body.starts_with(b"71\0")
        };
        if started {
            let mut w = hft::wire::FrameWriter::begin(&mut out);
            w.i32(15).i32(1).str("DU1234567");
            w.finish();
            let mut w = hft::wire::FrameWriter::begin(&mut out);
            w.i32(9).i32(1).i32(1000);
            w.finish();
            sock.write_all(&out).unwrap();
        }
        (String::from_utf8(offered).unwrap(), started)
    });
    (addr, server)
}

#[test]
fn engine_offers_exactly_the_version_its_encoder_writes() {
    use hft::io::ENGINE_VERSIONS;
    // PLACE_ORDER and CANCEL_ORDER are encoded in their v178 layout only.
    assert_eq!(ENGINE_VERSIONS, VersionRange { min: 178, max: 178 });
    let mut out = Vec::new();
    encode_client_hello(&mut out, ENGINE_VERSIONS);
    assert_eq!(out, b"API\0\0\0\0\x09v178..178");
    // The paper gateway negotiates it as TWS does.
    assert_eq!(
        negotiate(ENGINE_VERSIONS),
        Ok(Negotiated {
            version: 178,
            protobuf: false
        })
    );
}

#[test]
fn engine_session_starts_at_the_version_it_offers() {
    let (addr, server) = fake_tws(178);
    let conn = hft::io::TwsConnection::connect(&addr, 3, std::time::Duration::from_secs(10))
        .expect("a server answering 178 gives a session");
    assert_eq!(
        (
            conn.server_version,
            conn.next_valid_id,
            conn.accounts.as_str()
        ),
        (178, 1000, "DU1234567")
    );
    drop(conn);
    assert_eq!(server.join().unwrap(), ("v178..178".to_string(), true));
}

#[test]
fn engine_refuses_a_server_answering_another_version() {
    use hft::io::{ConnectError, ENGINE_VERSIONS};
    // 176, 165 and 157 are versions where real TWS reads PLACE_ORDER with 115, 113 and 110
    // fields; 179 is above what the client offered.
    for version in [100, 157, 165, 169, 176, 177, 179, 200] {
        let (addr, server) = fake_tws(version);
        let err = hft::io::TwsConnection::connect(&addr, 3, std::time::Duration::from_secs(10))
            .err()
            .unwrap_or_else(|| panic!("a server answering {version} must not give a session"));
        let message = err.to_string();
        match err {
            ConnectError::Version { server, supported } => {
                assert_eq!((server, supported), (version, ENGINE_VERSIONS));
            }
            other => {
                panic!("server version {version}: expected ConnectError::Version, got {other:?}")
            }
        }
        assert!(
            message.contains(&version.to_string()) && message.contains("v178..178"),
            "the error names the server version and the supported range: {message}"
        );
        let (offered, started) = server.join().unwrap();
        assert_eq!(offered, "v178..178");
        assert!(!started, "no START_API after refusing version {version}");
    }
}
