//! The core driven by commands alone (no connection threads): each test registers sessions with
//! an in-memory writer queue, sends requests as decoded frames, and reads back what the session
//! was sent.

use super::*;
use crate::wire::proto::{self as pb, encode_frame};
use crate::wire::{ContractSpec, OrderRequest, ServerMessage, split_frame};
use crossbeam::channel::{self, Receiver};
use std::net::{TcpListener, TcpStream};

struct Harness {
    core: Core,
    /// Each session's writer queue and the far end of its socket (kept open).
    writers: Vec<(u64, Receiver<Vec<u8>>, TcpStream)>,
}

const TEXT: Negotiated = Negotiated {
    version: 178,
    protobuf: false,
};
const PROTOBUF: Negotiated = Negotiated {
    version: 213,
    protobuf: true,
};

fn harness(faults: FaultParams) -> Harness {
    let mut p = SimParams::embedded();
    p.faults = faults;
    harness_with(p)
}

fn harness_with(p: SimParams) -> Harness {
    let universe = Universe::new(&p.market);
    let feed = Feed::Synthetic {
        paced: true,
        speed: 1.0,
    };
    let core = Core::new(
        &p,
        universe,
        feed,
        1_800_000_000 * 1_000_000_000,
        Arc::default(),
    );
    Harness {
        core,
        writers: Vec::new(),
    }
}

impl Harness {
    /// A started session as `client_id`.
    fn connect(&mut self, conn: u64, neg: Negotiated, client_id: i32) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let control = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (far, _) = listener.accept().unwrap();
        let (tx, rx) = channel::unbounded();
        self.core.handle(Cmd::Register {
            conn,
            neg,
            tx,
            control,
        });
        self.writers.push((conn, rx, far));
        self.send(
            conn,
            neg,
            Request::StartApi {
                client_id,
                optional_capabilities: "",
            },
        );
        self.read(conn);
    }

    /// Sends `req` as a frame body of the session's encoding.
    fn send(&mut self, conn: u64, neg: Negotiated, req: Request<'_>) {
        let mut frame = Vec::new();
        if neg.protobuf {
            proto_frame(&mut frame, &req);
        } else {
            req.encode_text(&mut frame);
        }
        let body = frame[4..].to_vec();
        self.core.handle(Cmd::Frame {
            conn,
            body,
            t_ns: 0,
        });
    }

    /// Every frame body sent to `conn` since the last read.
    fn read(&mut self, conn: u64) -> Vec<Vec<u8>> {
        self.core.flush_all();
        let (_, rx, _) = self.writers.iter().find(|(c, ..)| *c == conn).unwrap();
        let bytes: Vec<u8> = rx.try_iter().flatten().collect();
        let mut frames = Vec::new();
        let mut at = 0;
        while let Some((body, used)) = split_frame(&bytes[at..], 1 << 24).unwrap() {
            frames.push(body.to_vec());
            at += used;
        }
        frames
    }

    /// What a text session was sent, one short word per frame.
    fn read_text(&mut self, conn: u64) -> Vec<String> {
        let frames = self.read(conn);
        frames.iter().map(|f| describe(f)).collect()
    }

    fn snapshot(&mut self) -> LedgerSnapshot {
        let (tx, rx) = channel::bounded(1);
        self.core.handle(Cmd::Snapshot(tx));
        rx.recv().unwrap()
    }
}

fn describe(body: &[u8]) -> String {
    match ServerMessage::decode(body, 178).unwrap() {
        ServerMessage::Error(e) => format!("error {}", e.code),
        ServerMessage::OrderStatus(s) => format!("status {}", s.status),
        ServerMessage::OpenOrder(_) => "open".into(),
        ServerMessage::Execution(_) => "exec".into(),
        ServerMessage::Commission(_) => "commission".into(),
        ServerMessage::NextValidId(n) => format!("next id {}", n.order_id),
        ServerMessage::ManagedAccts(_) => "accounts".into(),
        ServerMessage::Position(p) => format!("position {}", p.position),
        ServerMessage::End(e) => format!("end {}", e.msg_id),
        other => format!("{other:?}"),
    }
}

/// The protobuf frame of the requests these tests send.
fn proto_frame(out: &mut Vec<u8>, req: &Request<'_>) {
    use crate::wire::ids::outgoing as o;
    match *req {
        Request::StartApi { client_id, .. } => encode_frame(
            out,
            o::START_API,
            &pb::StartApiRequest {
                client_id: Some(client_id),
                optional_capabilities: None,
            },
        ),
        Request::PlaceOrder(ord) => encode_frame(
            out,
            o::PLACE_ORDER,
            &pb::PlaceOrderRequest {
                order_id: Some(ord.order_id),
                contract: Some(pb::Contract {
                    symbol: Some(ord.contract.symbol.into()),
                    ..pb::Contract::default()
                }),
                order: Some(pb::Order {
                    action: Some(ord.action.into()),
                    total_quantity: Some(ord.total_quantity.to_string()),
                    order_type: Some(ord.order_type.into()),
                    lmt_price: (ord.lmt_price != f64::MAX).then_some(ord.lmt_price),
                    tif: Some(ord.tif.into()),
                    order_ref: Some(ord.order_ref.into()),
                    ..pb::Order::default()
                }),
            },
        ),
        other => panic!("no protobuf frame for {other:?} in these tests"),
    }
}

fn order<'a>(symbol: &'a str, order_id: i32, action: &'a str, qty: f64) -> OrderRequest<'a> {
    OrderRequest {
        order_id,
        contract: ContractSpec {
            symbol,
            sec_type: "STK",
            currency: "USD",
            ..ContractSpec::default()
        },
        action,
        total_quantity: qty,
        order_type: "MKT",
        lmt_price: f64::MAX,
        aux_price: f64::MAX,
        tif: "DAY",
        account: "",
        order_ref: "",
        transmit: true,
        parent_id: 0,
    }
}

fn first_symbol(h: &Harness) -> String {
    h.core.contracts[0].symbol.clone()
}

mod combo_flow;
mod orderflow;

#[test]
fn start_api_answers_like_tws_and_refuses_a_second_start() {
    let mut h = harness(FaultParams::default());
    h.connect(1, TEXT, 7);
    h.send(1, TEXT, Request::ManagedAccounts);
    assert_eq!(h.read_text(1), ["accounts"]);
    h.send(
        1,
        TEXT,
        Request::StartApi {
            client_id: 7,
            optional_capabilities: "",
        },
    );
    assert_eq!(h.read_text(1), ["error 321"]);
}

#[test]
fn a_market_order_reports_open_status_then_each_execution() {
    let mut h = harness(FaultParams::default());
    h.connect(1, TEXT, 7);
    let sym = first_symbol(&h);
    h.send(1, TEXT, Request::PlaceOrder(order(&sym, 1, "BUY", 100.0)));
    let got = h.read_text(1);
    assert_eq!(got[..2], ["open", "status Submitted"]);
    assert_eq!(got[2..6], ["exec", "status Filled", "open", "commission"]);
    assert_eq!(h.snapshot().orders[0].state, "Filled");
    // The same id again is a duplicate: the order is no longer working.
    h.send(1, TEXT, Request::PlaceOrder(order(&sym, 1, "BUY", 100.0)));
    assert_eq!(h.read_text(1), ["error 103"]);
    let mut stop = order(&sym, 2, "BUY", 100.0);
    stop.order_type = "STP";
    h.send(1, TEXT, Request::PlaceOrder(stop));
    assert_eq!(h.read_text(1), ["error 201"]);
}

#[test]
fn an_unmarketable_ioc_order_is_cancelled_and_every_nth_order_rejected() {
    let faults = FaultParams {
        reject_every_nth_order: 2,
        ..FaultParams::default()
    };
    let mut h = harness(faults);
    h.connect(1, TEXT, 7);
    let sym = first_symbol(&h);
    let mut ioc = order(&sym, 1, "BUY", 100.0);
    (ioc.order_type, ioc.lmt_price, ioc.tif) = ("LMT", 0.01, "IOC");
    h.send(1, TEXT, Request::PlaceOrder(ioc));
    assert_eq!(
        h.read_text(1),
        ["open", "status Submitted", "status Cancelled"]
    );
    h.send(1, TEXT, Request::PlaceOrder(order(&sym, 2, "BUY", 100.0)));
    assert_eq!(h.read_text(1), ["error 201", "status Inactive"]);
}

#[test]
fn text_and_protobuf_orders_book_the_same() {
    let mut text = harness(FaultParams::default());
    let mut proto = harness(FaultParams::default());
    text.connect(1, TEXT, 7);
    proto.connect(1, PROTOBUF, 7);
    let sym = first_symbol(&text);
    for (id, action) in [(1, "BUY"), (2, "SELL"), (3, "SELL")] {
        let o = order(&sym, id, action, 300.0);
        text.send(1, TEXT, Request::PlaceOrder(o));
        proto.send(1, PROTOBUF, Request::PlaceOrder(o));
    }
    let (t, p) = (text.snapshot(), proto.snapshot());
    assert_eq!(t.orders, p.orders);
    assert_eq!(t.positions, p.positions);
    assert_eq!(t.exec_ids.len(), p.exec_ids.len());
    assert!(!proto.read(1).is_empty());
}
