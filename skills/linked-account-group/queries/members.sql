WITH RECURSIVE hubs AS (
  SELECT link_type, link_value
  FROM identity_links
  WHERE link_type IN ('device_id', 'kyc_doc_hash', 'face_hash', 'payout_address', 'bank_account')
  GROUP BY link_type, link_value
  HAVING count(DISTINCT account_id) > CAST($max_accounts_per_identifier AS BIGINT)
),
strong AS (
  SELECT l.account_id AS account_id, l.link_type AS link_type, l.link_value AS link_value
  FROM identity_links AS l
  WHERE l.link_type IN ('device_id', 'kyc_doc_hash', 'face_hash', 'payout_address', 'bank_account')
    AND NOT EXISTS (SELECT 1 FROM hubs AS h WHERE h.link_type = l.link_type AND h.link_value = l.link_value)
),
edges AS (
  SELECT a.account_id AS source, b.account_id AS target, 'same_user' AS link
  FROM accounts AS a JOIN accounts AS b ON a.user_id = b.user_id AND a.account_id <> b.account_id
  UNION
  SELECT a.account_id AS source, a.parent_account_id AS target, 'master' AS link
  FROM accounts AS a WHERE a.parent_account_id IS NOT NULL
  UNION
  SELECT a.parent_account_id AS source, a.account_id AS target, 'sub' AS link
  FROM accounts AS a WHERE a.parent_account_id IS NOT NULL
  UNION
  SELECT a.account_id AS source, b.account_id AS target, 'sibling' AS link
  FROM accounts AS a JOIN accounts AS b
    ON a.parent_account_id = b.parent_account_id AND a.account_id <> b.account_id
  UNION
  SELECT x.account_id AS source, y.account_id AS target, x.link_type AS link
  FROM strong AS x JOIN strong AS y
    ON x.link_type = y.link_type AND x.link_value = y.link_value AND x.account_id <> y.account_id
),
walk(account_id, hops, link) AS (
  SELECT CAST($account_id AS VARCHAR), 0, 'subject'
  UNION ALL  -- each step's rows have one more hop than all before them: only repeats within a step are dropped
  SELECT DISTINCT e.target, w.hops + 1, e.link
  FROM walk AS w JOIN edges AS e ON e.source = w.account_id
  WHERE w.hops < CAST($max_hops AS BIGINT)
)
-- the walk is read once (Spark walks it again for every reference): each account's fewest hops and, among
-- the links at those hops, the strongest kind first, then by name, so a tie is decided the same way every run
SELECT account_id, min(hops) AS hops,
       arg_min(link, row(hops, CASE link WHEN 'subject' THEN 0 WHEN 'master' THEN 1 WHEN 'sub' THEN 2
                                         WHEN 'sibling' THEN 3 WHEN 'same_user' THEN 4 ELSE 5 END, link)) AS link
FROM walk
GROUP BY account_id
ORDER BY hops, account_id
LIMIT 1 + CAST($max_group_accounts AS BIGINT)
