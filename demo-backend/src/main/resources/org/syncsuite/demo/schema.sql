CREATE TABLE IF NOT EXISTS lists (
  id VARCHAR(36) PRIMARY KEY,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  name TEXT NOT NULL,
  owner_id VARCHAR(255) NOT NULL
);
CREATE TABLE IF NOT EXISTS todos (
  id VARCHAR(36) PRIMARY KEY,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  completed_at DATETIME(3) NULL,
  description TEXT NOT NULL,
  completed TINYINT(1) NOT NULL DEFAULT 0,
  created_by VARCHAR(255) NULL,
  completed_by VARCHAR(255) NULL,
  list_id VARCHAR(36) NOT NULL,
  photo_id VARCHAR(36) NULL,
  KEY todos_list (list_id)
);
CREATE TABLE IF NOT EXISTS upload_ledger (
  user_id VARCHAR(255) NOT NULL,
  client_id VARCHAR(64) NOT NULL,
  op_id BIGINT NOT NULL,
  fingerprint CHAR(64) NOT NULL,
  applied_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (user_id, client_id, op_id)
);
INSERT IGNORE INTO lists (id, name, owner_id) VALUES
  ('8c4d6f36-8a14-4c1e-9d0e-3b5a1f0c0001', 'Groceries', 'demo-user'),
  ('8c4d6f36-8a14-4c1e-9d0e-3b5a1f0c0002', 'Weekend', 'demo-user');
INSERT IGNORE INTO todos (id, description, list_id, created_by) VALUES
  ('5b2f0d1e-7c3a-4e9b-8f21-6a4d2c0e0001', 'Buy milk', '8c4d6f36-8a14-4c1e-9d0e-3b5a1f0c0001', 'demo-user'),
  ('5b2f0d1e-7c3a-4e9b-8f21-6a4d2c0e0002', 'Bake bread', '8c4d6f36-8a14-4c1e-9d0e-3b5a1f0c0001', 'demo-user'),
  ('5b2f0d1e-7c3a-4e9b-8f21-6a4d2c0e0003', 'Fix the bike', '8c4d6f36-8a14-4c1e-9d0e-3b5a1f0c0002', 'demo-user');
