package org.syncsuite.client;

/** The three column types of a client schema, as PowerSync's SDKs have them (booleans are integers, dates ISO text). */
public enum ColumnType {
    TEXT, INTEGER, REAL
}
