package io.tradepulse.connect.common;

/** What a parser yields per input row, in input order (the order defines the per-row resume offset). */
public sealed interface ParsedItem permits TradeRow, BadRow {}
