-- Canonical exchange tables that SOP queries read (DuckDB dialect).
-- All timestamps are UTC; money is USD as DOUBLE. sopc lints every query
-- against these tables: an unknown table or column is an error (SOP304/SOP305).

CREATE TABLE accounts (
  account_id VARCHAR PRIMARY KEY,
  user_id VARCHAR NOT NULL,
  parent_account_id VARCHAR,
  created_at TIMESTAMP NOT NULL,
  kyc_level INTEGER,
  country VARCHAR,
  status VARCHAR,
  is_market_maker BOOLEAN NOT NULL DEFAULT FALSE,
  referrer_account_id VARCHAR
);

-- link_type: device_id, ip, kyc_doc_hash, face_hash, phone, email_norm,
-- bank_account, payout_address, deposit_source_address
CREATE TABLE identity_links (
  account_id VARCHAR NOT NULL,
  link_type VARCHAR NOT NULL,
  link_value VARCHAR NOT NULL,
  first_seen TIMESTAMP,
  last_seen TIMESTAMP
);

-- event_type: login, password_reset, 2fa_reset, api_key_create, withdraw_addr_add
CREATE TABLE security_events (
  account_id VARCHAR NOT NULL,
  ts TIMESTAMP NOT NULL,
  event_type VARCHAR NOT NULL,
  ip VARCHAR,
  device_id VARCHAR,
  geo_country VARCHAR
);

-- market_type: spot, perp
CREATE TABLE instruments (
  symbol VARCHAR PRIMARY KEY,
  market_type VARCHAR NOT NULL,
  base_asset VARCHAR NOT NULL,
  quote_asset VARCHAR NOT NULL,
  max_leverage DOUBLE,
  maint_margin_rate DOUBLE,
  oi_cap_usd DOUBLE,
  listed_at TIMESTAMP,
  status VARCHAR
);

CREATE TABLE orders (
  order_id VARCHAR PRIMARY KEY,
  account_id VARCHAR NOT NULL,
  symbol VARCHAR NOT NULL,
  side VARCHAR NOT NULL,
  order_type VARCHAR NOT NULL,
  tif VARCHAR,
  price DOUBLE,
  qty DOUBLE NOT NULL,
  filled_qty DOUBLE NOT NULL DEFAULT 0,
  status VARCHAR NOT NULL,
  created_ts TIMESTAMP NOT NULL,
  done_ts TIMESTAMP,
  best_bid_at_entry DOUBLE,
  best_ask_at_entry DOUBLE,
  reduce_only BOOLEAN DEFAULT FALSE,
  stp_mode VARCHAR,
  channel VARCHAR
);

CREATE TABLE trades (
  trade_id VARCHAR PRIMARY KEY,
  symbol VARCHAR NOT NULL,
  ts TIMESTAMP NOT NULL,
  price DOUBLE NOT NULL,
  qty DOUBLE NOT NULL,
  notional_usd DOUBLE NOT NULL,
  maker_order_id VARCHAR,
  taker_order_id VARCHAR,
  maker_account_id VARCHAR NOT NULL,
  taker_account_id VARCHAR NOT NULL,
  taker_side VARCHAR NOT NULL,
  is_liquidation BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE prevented_matches (
  ts TIMESTAMP NOT NULL,
  symbol VARCHAR NOT NULL,
  taker_order_id VARCHAR,
  maker_order_id VARCHAR,
  taker_account_id VARCHAR NOT NULL,
  maker_account_id VARCHAR NOT NULL,
  trade_group_id VARCHAR,
  qty DOUBLE,
  price DOUBLE
);

CREATE TABLE position_snapshots (
  ts TIMESTAMP NOT NULL,
  account_id VARCHAR NOT NULL,
  symbol VARCHAR NOT NULL,
  size DOUBLE NOT NULL,
  entry_price DOUBLE,
  mark_price DOUBLE,
  leverage DOUBLE,
  margin_mode VARCHAR,
  margin_usd DOUBLE,
  unrealized_pnl_usd DOUBLE,
  liq_price DOUBLE
);

-- method: orderbook, backstop, adl
CREATE TABLE liquidations (
  liq_id VARCHAR PRIMARY KEY,
  ts TIMESTAMP NOT NULL,
  account_id VARCHAR NOT NULL,
  symbol VARCHAR NOT NULL,
  side_closed VARCHAR NOT NULL,
  qty DOUBLE NOT NULL,
  mark_price DOUBLE,
  bankruptcy_price DOUBLE,
  avg_fill_price DOUBLE,
  method VARCHAR,
  insurance_fund_delta_usd DOUBLE
);

CREATE TABLE market_bars_1m (
  symbol VARCHAR NOT NULL,
  ts TIMESTAMP NOT NULL,
  open DOUBLE,
  high DOUBLE,
  low DOUBLE,
  close DOUBLE,
  notional_usd DOUBLE,
  trade_count INTEGER,
  index_price DOUBLE,
  mark_price DOUBLE,
  best_bid DOUBLE,
  best_ask DOUBLE,
  depth_2pct_usd DOUBLE,
  open_interest_usd DOUBLE,
  funding_rate DOUBLE
);

CREATE TABLE index_components (
  ts TIMESTAMP NOT NULL,
  symbol VARCHAR NOT NULL,
  source VARCHAR NOT NULL,
  price DOUBLE,
  weight DOUBLE,
  excluded BOOLEAN DEFAULT FALSE
);

-- kind: deposit, withdrawal, internal_in, internal_out
CREATE TABLE transfers (
  transfer_id VARCHAR PRIMARY KEY,
  ts TIMESTAMP NOT NULL,
  account_id VARCHAR NOT NULL,
  kind VARCHAR NOT NULL,
  asset VARCHAR NOT NULL,
  amount DOUBLE NOT NULL,
  amount_usd DOUBLE,
  counterparty_account_id VARCHAR,
  chain VARCHAR,
  address VARCHAR,
  tx_hash VARCHAR,
  kyt_risk VARCHAR
);

CREATE TABLE reward_grants (
  grant_id VARCHAR,
  account_id VARCHAR NOT NULL,
  campaign_id VARCHAR,
  amount_usd DOUBLE,
  granted_ts TIMESTAMP
);

CREATE TABLE p2p_orders (
  p2p_order_id VARCHAR PRIMARY KEY,
  ad_id VARCHAR,
  buyer_account_id VARCHAR NOT NULL,
  seller_account_id VARCHAR NOT NULL,
  asset VARCHAR NOT NULL,
  crypto_amount DOUBLE,
  fiat_currency VARCHAR,
  fiat_amount DOUBLE,
  payment_method VARCHAR,
  created_ts TIMESTAMP NOT NULL,
  marked_paid_ts TIMESTAMP,
  released_ts TIMESTAMP,
  status VARCHAR,
  payer_name_matches_kyc BOOLEAN,
  payer_account_hash VARCHAR
);

-- reason: payment_not_received, chargeback, payment_reversed,
-- third_party_payment, fake_receipt, bank_freeze, police_report
CREATE TABLE p2p_appeals (
  appeal_id VARCHAR PRIMARY KEY,
  p2p_order_id VARCHAR NOT NULL,
  opened_by VARCHAR,
  opened_ts TIMESTAMP NOT NULL,
  reason VARCHAR NOT NULL,
  outcome VARCHAR,
  resolved_ts TIMESTAMP
);

-- action: watchlist, close_only, api_disable, withdraw_hold, freeze, offboard,
-- sar_filed, stor_filed
CREATE TABLE account_actions (
  action_id VARCHAR,
  account_id VARCHAR NOT NULL,
  ts TIMESTAMP NOT NULL,
  action VARCHAR NOT NULL,
  reason_code VARCHAR,
  case_id VARCHAR,
  actor VARCHAR
);

-- Alerts and how each was closed, by an AI agent or a person; the quality
-- review of agent-closed alerts samples this table and re-checks the figure
-- the closer quoted (reported_metric, reported_value) against the data.
-- closer_type: agent, human. outcome: the SOP outcome the case was closed with.
CREATE TABLE alert_cases (
  case_id VARCHAR PRIMARY KEY,
  alert_type VARCHAR NOT NULL,
  sop_id VARCHAR,
  sop_version VARCHAR,
  subject_account_id VARCHAR,
  symbol VARCHAR,
  window_start TIMESTAMP,
  window_end TIMESTAMP,
  opened_ts TIMESTAMP NOT NULL,
  closed_ts TIMESTAMP,
  closed_by VARCHAR,
  closer_type VARCHAR,
  outcome VARCHAR,
  reported_metric VARCHAR,
  reported_value DOUBLE
);
