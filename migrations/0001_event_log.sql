-- The per-topic event log. One SQLite database may hold one topic (a Durable
-- Object) or many (the Node entry), so every row names its topic.

-- epoch: random per topic, chosen when the topic is first seen, so an id is
-- never reused for another event if the storage is wiped and starts again.
-- last_seq: kept apart from the events so it survives trimming.
CREATE TABLE herald_topics (
  topic    TEXT    NOT NULL PRIMARY KEY,
  epoch    TEXT    NOT NULL,
  last_seq INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE herald_events (
  topic      TEXT    NOT NULL,
  seq        INTEGER NOT NULL,
  event      TEXT,
  data       TEXT    NOT NULL,
  created_at INTEGER NOT NULL,
  idem_key   TEXT,
  PRIMARY KEY (topic, seq)
) WITHOUT ROWID;

-- TTL trimming deletes by age without scanning the whole log.
CREATE INDEX herald_events_by_age ON herald_events (topic, created_at);

-- An idempotency key is remembered as long as its event is retained.
CREATE UNIQUE INDEX herald_events_by_idem_key
  ON herald_events (topic, idem_key) WHERE idem_key IS NOT NULL;
