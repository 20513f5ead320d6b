import CPcap

/// The libpcap library version string ("libpcap version 1.10.3 ...").
public enum PcapLibrary {
    public static var version: String { String(cString: pcap_lib_version()) }
}
