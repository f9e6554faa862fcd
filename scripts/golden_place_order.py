#!/usr/bin/env python3
"""Prints the PLACE_ORDER and CANCEL_ORDER frames the official IB Python client sends.

The golden tests in tests/codec_goldens.rs were compared against this output. The client's own
encoder runs against a fake connection that records the bytes instead of sending them, at the
server version given on the command line (default 178).

    python3 -m venv /tmp/ibvenv && /tmp/ibvenv/bin/pip install ibapi-stable==10.50.2
    /tmp/ibvenv/bin/python scripts/golden_place_order.py [server_version]

Each frame is printed as its message id and fields, one Rust string literal each, so the list can
be compared with (or pasted into) a test.
"""

import struct
import sys
from decimal import Decimal
from importlib.metadata import version

from ibapi.client import EClient
from ibapi.contract import ComboLeg, Contract
from ibapi.order import Order
from ibapi.tag_value import TagValue
from ibapi.order_cancel import OrderCancel
from ibapi.wrapper import EWrapper


# The paper gateway's account, so the same frames also fill there (tests/codec_goldens.rs).
ACCOUNT = "DU1234567"


class RecordingConnection:
    """Stands in for ibapi.connection.Connection: keeps every frame written."""

    def __init__(self):
        self.frames = []

    def isConnected(self):
        return True

    def sendMsg(self, msg):
        (length,) = struct.unpack("!I", msg[:4])
        assert length == len(msg) - 4, "frame length prefix"
        self.frames.append(msg[4:])


def stock(symbol):
    c = Contract()
    c.symbol = symbol
    c.secType = "STK"
    c.exchange = "SMART"
    c.currency = "USD"
    return c


def pair_combo(buy_con_id, sell_con_id):
    """The paper gateway's first two symbols as a BAG: buy the first, sell the second."""
    c = Contract()
    c.symbol = "SPY,QQQ"
    c.secType = "BAG"
    c.exchange = "SMART"
    c.currency = "USD"
    legs = []
    for con_id, action in ((buy_con_id, "BUY"), (sell_con_id, "SELL")):
        leg = ComboLeg()
        leg.conId = con_id
        leg.ratio = 1
        leg.action = action
        leg.exchange = "SMART"
        legs.append(leg)
    c.comboLegs = legs
    return c


def order(action, quantity, order_type, limit=None, order_ref=""):
    o = Order()
    o.action = action
    o.totalQuantity = Decimal(quantity)
    o.orderType = order_type
    if limit is not None:
        o.lmtPrice = limit
    o.tif = "DAY"
    o.account = ACCOUNT
    o.orderRef = order_ref
    return o


def client_at(server_version):
    client = EClient(EWrapper())
    client.conn = RecordingConnection()
    client.serverVersion_ = server_version
    client.setConnState(EClient.CONNECTED)
    return client


def print_frame(name, body):
    fields = body.split(b"\0")
    assert fields[-1] == b"", "every field is NUL-terminated"
    fields = fields[:-1]
    print(f"// {name}: {len(fields)} fields (message id included)")
    print("&[" + ", ".join('"' + f.decode("ascii") + '"' for f in fields) + "]")


def main():
    server_version = int(sys.argv[1]) if len(sys.argv) > 1 else 178
    client = client_at(server_version)
    print(f"// ibapi-stable {version('ibapi-stable')}, server version {server_version}")
    cases = [
        (
            "market order: BUY 100 SPY MKT DAY, orderRef 41",
            7,
            stock("SPY"),
            order("BUY", "100", "MKT", order_ref="41"),
        ),
        (
            "limit order: SELL 25 KO LMT 412.37 DAY, orderRef pair-3",
            8,
            stock("KO"),
            order("SELL", "25", "LMT", limit=412.37, order_ref="pair-3"),
        ),
        (
            "fractional market order: BUY 0.5 SPY MKT DAY",
            9,
            stock("SPY"),
            order("BUY", "0.5", "MKT"),
        ),
    ]
    combo = order("BUY", "10", "LMT", limit=1.25)
    combo.smartComboRoutingParams = [TagValue("NonGuaranteed", "1")]
    cases.append(("combo: BUY 10 BAG(+756700 -756717) LMT 1.25 NonGuaranteed", 10, pair_combo(756700, 756717), combo))
    adaptive = order("BUY", "100", "LMT", limit=400.5)
    adaptive.algoStrategy = "Adaptive"
    adaptive.algoParams = [TagValue("adaptivePriority", "Patient")]
    cases.append(("adaptive: BUY 100 SPY LMT 400.5 Adaptive Patient", 11, stock("SPY"), adaptive))
    for name, order_id, contract, o in cases:
        client.placeOrder(order_id, contract, o)
        print_frame(name, client.conn.frames.pop())
    client.cancelOrder(8, OrderCancel())
    print_frame("cancel order 8", client.conn.frames.pop())


if __name__ == "__main__":
    main()
