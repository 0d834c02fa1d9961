-- A page's "did the viewer boost these?" reads the viewer's boosts of a
-- range of statuses (db.ViewerInteractions): by booster, then boosted id.
CREATE INDEX statuses_account_boosts ON statuses (account_id, reblog_of_id) WHERE reblog_of_id IS NOT NULL;
