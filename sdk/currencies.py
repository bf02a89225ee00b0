"""The currencies a piece may be issued in: ISO 4217's circulating currencies.

A code of three capital letters is not enough: « XXX » means "no currency", « XTS » is
reserved for tests, « XAU » is gold and « CLF » an accounting unit; none can be invoiced.
The CFA francs (XOF, XAF) and the CFP franc (XPF, French Polynesia, New Caledonia, Wallis and
Futuna) are real currencies and stay. List as published by ISO 4217 (amendment of 2026-01-01).
"""

from __future__ import annotations

_TABLE = """
    AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BHD BIF BMD BND BOB BRL BSD BTN BWP BYN
    BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP
    GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS
    KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR
    MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD
    RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP
    TRY TTD TWD TZS UAH UGX USD UYU UZS VED VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW
    ZWG
"""

CIRCULATING = frozenset(_TABLE.split())
