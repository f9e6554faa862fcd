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

    let mut single = Vec::new();
    encode_client_hello(&mut single, VersionRange { min: 178, max: 178 });
    assert_eq!(single, b"API\0\0\0\0\x04v178");
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
