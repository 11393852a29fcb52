-- The epoch of every topic stored from now on (in place of 0001's random
-- epoch per topic), chosen once when the database is created. A topic is stored with its first event, so a position taken
-- before that (`<epoch>-0`) must name an epoch that survives a restart;
-- one per database still changes when the storage is wiped and starts again.
CREATE TABLE herald_database (
  epoch TEXT NOT NULL
);
INSERT INTO herald_database (epoch) VALUES (lower(hex(randomblob(8))));
