/// SNMP versions the agent answers: v1 (0) and v2c (1).
public enum SNMPVersion: Int, Sendable {
    case v1 = 0
    case v2c = 1
}
