import Testing
import WeftModel
@testable import WeftContainers

/// The manager config of a plugin (`/opt/plugin-manager/config.json`): what is accepted,
/// and the VNS3 wording of what is refused.
@Suite struct PluginManagerConfigTests {
    static func words(_ line: String) throws -> [String] { line.split(separator: " ").map(String.init) }

    static func parse(_ text: String) throws -> PluginManagerConfig {
        try PluginManagerConfig.parse(try JSONParser.parse(text), splitCommand: words)
    }

    static func refusal(_ text: String) -> String? {
        do { _ = try parse(text); return nil } catch let error as PluginManagerConfig.Invalid { return error.description } catch { return "\(error)" }
    }

    @Test func aFullConfigParsesWithSlugsAndPrograms() throws {
        let config = try Self.parse("""
            {"log_files": [{"path": "/var/log/app.log", "description": "the app"}],
             "configuration_files": [{"path": "/etc/app.conf"}, {"path": "/opt/other/app.conf", "name": "app.conf"}],
             "ports": [{"port": 8080, "protocol": "tcp", "ui": true, "ui_path": "/"}],
             "process_manager": {"name": "weft", "subprocesses": ["web"], "programs": {"web": "/bin/httpd -f -p 8080"}},
             "executables": [{"path": "/bin/tool", "commands": {"status": "--status", "ping": ""}}]}
            """)
        #expect(config.logFiles.map(\.slug) == ["app_log"])
        #expect(config.configurationFiles.map(\.slug) == ["app_conf", "app_conf_2"])
        #expect(config.ports == [.init(port: 8080, proto: "tcp", ssl: false, ui: true, uiPath: "/", description: "")])
        #expect(config.processManager?.programs["web"] == ["/bin/httpd", "-f", "-p", "8080"])
        #expect(config.executables.first?.commands.map(\.name) == ["status", "ping"])
        #expect(config.executables.first?.commands.last?.arguments == [])
        // What Weft shows parses again to the same config.
        #expect(try PluginManagerConfig.parse(config.json, splitCommand: Self.words) == config)
    }

    @Test func anEmptyObjectIsAnEmptyConfig() throws {
        #expect(try Self.parse("{}").isEmpty)
    }

    @Test(arguments: [
        (#"{"configuration_files": ["/etc/app.conf"]}"#, #"All configuration_files must be objects with a "path" key."#),
        (#"{"configuration_files": [{"name": "x"}]}"#, #"All configuration_files must be objects with a "path" key."#),
        (#"{"log_files": [{"path": 3}]}"#, #"All log_files must be objects with a "path" key."#),
        (#"{"log_files": {"path": "/x"}}"#, "log_files must be a list."),
        (#"{"log_files": [{"path": "../etc/passwd"}]}"#, "All log_files paths must be absolute paths"),
        (#"{"configuration_files": [{"path": "/etc/../../x"}]}"#, "All configuration_files paths must be absolute paths"),
        (#"{"ports": [{"port": 70000}]}"#, #"All ports must be objects with a "port" key"#),
        (#"{"ports": [{"port": 80, "protocol": "sctp"}]}"#, "port protocol must be tcp or udp"),
        (#"{"process_manager": "weft"}"#, #"process_manager must be an object with a "name" key"#),
        (#"{"process_manager": {"name": "abc"}}"#, "Process manager abc unsupported."),
        (#"{"process_manager": {"name": "weft", "subprocesses": ["a"]}}"#, "needs a command in programs for every subprocess (missing: a)"),
        (#"{"process_manager": {"name": "weft", "subprocesses": ["a"], "programs": {"a": "sh -c x"}}}"#, "must be a command line starting with an absolute path"),
        (#"{"process_manager": {"name": "weft", "subprocesses": ["a;rm"]}}"#, "subprocesses must be names"),
        (#"{"executables": [{"commands": {}}]}"#, #"All executables must be objects with a "path" key."#),
        (#"{"executables": [{"path": "/bin/x", "commands": ["a"]}]}"#, "executable commands must be an object"),
        (#"{"shell": "/bin/sh"}"#, #"unknown key "shell""#),
        (#"[1]"#, "must be a JSON object"),
    ])
    func badConfigsAreRefusedWithVNS3sWording(text: String, message: String) {
        let refusal = Self.refusal(text)
        #expect(refusal?.hasPrefix("Invalid plugin manager config:  ") == true, "\(text)")
        #expect(refusal?.contains(message) == true, "\(text) → \(refusal ?? "accepted")")
    }

    @Test func slugsAreURLSafe() {
        #expect(PluginManagerConfig.slug("process.log") == "process_log")
        #expect(PluginManagerConfig.slug("My App/../Conf") == "my_app_conf")
        #expect(PluginManagerConfig.slug("...") == "file")
    }
}
