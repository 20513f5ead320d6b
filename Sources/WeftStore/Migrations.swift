import GRDB

/// Append-only schema history. Never edit a registered migration; add a new one.
enum Migrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-foundation") { db in
            try db.execute(sql: """
                CREATE TABLE generation (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    value INTEGER NOT NULL
                );
                INSERT INTO generation (id, value) VALUES (1, 0);
                CREATE TABLE audit (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    at INTEGER NOT NULL,
                    actor TEXT NOT NULL,
                    action TEXT NOT NULL,
                    detail TEXT NOT NULL DEFAULT '',
                    generation INTEGER NOT NULL
                );
                CREATE TABLE settings (
                    key TEXT PRIMARY KEY,
                    value BLOB NOT NULL
                );
                CREATE TABLE credentials (
                    username TEXT PRIMARY KEY,
                    role TEXT NOT NULL,
                    hash TEXT NOT NULL,
                    updated_at INTEGER NOT NULL
                );
                CREATE TABLE api_tokens (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    name TEXT NOT NULL,
                    token_hash TEXT NOT NULL UNIQUE,
                    token_hint TEXT NOT NULL,
                    lifetime INTEGER NOT NULL,
                    refreshes INTEGER NOT NULL,
                    created_at INTEGER NOT NULL,
                    created_ip TEXT NOT NULL,
                    expires_at INTEGER NOT NULL,
                    expired INTEGER NOT NULL DEFAULT 0,
                    last_accessed_at INTEGER,
                    last_accessed_ip TEXT
                );
                CREATE TABLE keyset (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    uuid TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    checksum TEXT NOT NULL,
                    ca_cert_pem TEXT NOT NULL,
                    ca_key_pem TEXT NOT NULL,
                    transfer_salt BLOB NOT NULL,
                    transfer_key BLOB NOT NULL,
                    source TEXT NOT NULL DEFAULT ''
                );
                CREATE TABLE keyset_clients (
                    address TEXT PRIMARY KEY,
                    sequence INTEGER NOT NULL,
                    wg_private_key TEXT NOT NULL,
                    wg_public_key TEXT NOT NULL,
                    cert_pem TEXT NOT NULL,
                    key_pem TEXT NOT NULL
                );
                CREATE TABLE tasks (
                    token TEXT PRIMARY KEY,
                    kind TEXT NOT NULL,
                    status TEXT NOT NULL,
                    message TEXT NOT NULL DEFAULT '',
                    created_at INTEGER NOT NULL,
                    finished_at INTEGER
                );
                """)
        }
        // Events an operator reads after a restart (Store+Events).
        migrator.registerMigration("v2-events") { db in
            try db.execute(sql: """
                CREATE TABLE events (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    stream TEXT NOT NULL,
                    subject TEXT NOT NULL,
                    at INTEGER NOT NULL,
                    body TEXT NOT NULL
                );
                CREATE INDEX events_by_subject ON events (stream, subject, id);
                """)
        }
        // Network edge plugins (issue 19): the installed catalog, instances with their manager
        // config (JSON), configuration file versions, firewall presets. Tables, not settings:
        // a snapshot (settings) neither carries nor replaces them.
        migrator.registerMigration("v2-plugins") { db in
            try db.execute(sql: """
                CREATE TABLE plugins (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    name TEXT NOT NULL,
                    version TEXT NOT NULL,
                    image_import_id TEXT NOT NULL,
                    image_url TEXT NOT NULL,
                    description TEXT NOT NULL DEFAULT '',
                    command TEXT NOT NULL DEFAULT '',
                    documentation_url TEXT NOT NULL DEFAULT '',
                    support_url TEXT NOT NULL DEFAULT '',
                    catalog_id TEXT NOT NULL DEFAULT '',
                    tags TEXT NOT NULL DEFAULT '{}',
                    metadata TEXT NOT NULL DEFAULT '{}',
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL,
                    UNIQUE (name, version)
                );
                CREATE TABLE plugin_instances (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    plugin_id INTEGER NOT NULL REFERENCES plugins(id),
                    container_id TEXT NOT NULL,
                    name TEXT NOT NULL UNIQUE,
                    description TEXT NOT NULL DEFAULT '',
                    command TEXT NOT NULL DEFAULT '',
                    manager TEXT NOT NULL DEFAULT '',
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL
                );
                CREATE TABLE plugin_config_versions (
                    instance_id INTEGER NOT NULL REFERENCES plugin_instances(id) ON DELETE CASCADE,
                    slug TEXT NOT NULL,
                    version INTEGER NOT NULL,
                    content BLOB NOT NULL,
                    created_at INTEGER NOT NULL,
                    current INTEGER NOT NULL DEFAULT 0,
                    PRIMARY KEY (instance_id, slug, version)
                );
                CREATE TABLE plugin_firewall (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    instance_id INTEGER NOT NULL REFERENCES plugin_instances(id) ON DELETE CASCADE,
                    preset TEXT NOT NULL,
                    address TEXT NOT NULL,
                    host_port INTEGER,
                    container_port INTEGER,
                    protocol TEXT NOT NULL,
                    network TEXT
                );
                """)
        }
        return migrator
    }
}
