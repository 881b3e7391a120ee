"""What the kernel's hostile-input checks cost per operation, without a database.

    .venv/bin/python -m bench.inputs [--rounds 20000]

Times, per call, the three checks every operation now passes: the NUL / lone-surrogate scan of the
document's literals and of the variables (`RejectHostileInput`), the length walk over a mutation's
input (`LimitLengths`), and the `Decimal` scalar plus `parse_amount`. Each is compared with
parsing the same document, which every operation paid already (before the parser cache); the
literal scan is cached by the operation's text like the parser's.
"""

from __future__ import annotations

import argparse
import timeit
import uuid
from decimal import Decimal

from graphql import parse, visit

from subgraphs.common.inputs import _Literals, _too_long, forbidden_at, scan_literals
from subgraphs.common.money import _amount_value, parse_amount
from subgraphs.common.types import AddressInput, DeliveryMethod
from subgraphs.orders.types import DeliveryInput, PlaceOrderInput

DOCUMENT = """
mutation Place($input: PlaceOrderInput!) {
  placeOrder(input: $input) {
    order { id status total { amount currency } items { productName quantity unitPrice { amount } } }
    errors { code field message }
  }
}
query Page { products(first: 20, filter: {search: "wireless headphones", inStockOnly: true}, sort: PRICE_ASC) {
  edges { cursor node { id name price { amount } stock category { id name } } } pageInfo { hasNextPage endCursor } } }
"""
ADDRESS = {"recipient": "Ann Smith", "phone": "+7 900 000-00-00", "country": "RU", "city": "Moscow",
           "street": "Tverskaya 1", "building": "2", "apartment": "15", "postalCode": "125009"}
VARIABLES = {"input": {"idempotencyKey": str(uuid.uuid4()), "delivery": {"method": "COURIER", "address": ADDRESS}}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20_000)
    rounds = parser.parse_args().rounds
    document = parse(DOCUMENT)
    typed = PlaceOrderInput(  # type: ignore[call-arg]
        idempotency_key=VARIABLES["input"]["idempotencyKey"],
        delivery=DeliveryInput(method=DeliveryMethod.COURIER, address=AddressInput(**{  # type: ignore[call-arg]
            "recipient": "Ann Smith", "phone": "+7 900", "country": "RU", "city": "Moscow", "street": "Tverskaya 1",
            "building": "2", "apartment": "15", "postal_code": "125009"})),
    )
    checks = {
        "parse the document (for scale)": lambda: parse(DOCUMENT),
        "scan the literals (first time)": lambda: visit(document, _Literals()),
        "scan the literals (seen before)": lambda: scan_literals(document, DOCUMENT),
        "scan the variables": lambda: forbidden_at(VARIABLES),
        "length walk of placeOrder's input": lambda: _too_long(typed, "", "input"),
        "Decimal scalar + parse_amount": lambda: parse_amount(_amount_value("1499.90"), maximum=Decimal("1000000")),
    }
    print(f"{'check':<36} {'µs per call':>12}   ({rounds:,} rounds each)")
    for name, check in checks.items():
        seconds = min(timeit.repeat(check, number=rounds, repeat=3))
        print(f"{name:<36} {seconds / rounds * 1e6:>12.2f}")


if __name__ == "__main__":
    main()
