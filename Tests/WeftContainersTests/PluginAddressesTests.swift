import Testing
import WeftContainers
import WeftModel

@Suite struct PluginAddressesTests {
    @Test func controllerFirstContainersNext() throws {
        var config = ContainerSystemConfig()
        #expect(config.gateway.description == "198.51.100.1")
        #expect(PluginAddresses.nextFree(config)?.description == "198.51.100.2")
        config.containers.append(ContainerSpec(id: "a", name: "a", imageID: "i", address: "198.51.100.2", created: 0))
        #expect(PluginAddresses.nextFree(config)?.description == "198.51.100.3")
        let table = PluginAddresses.table(config)
        #expect(table.count == 14)
        #expect(table[0].status == .reserved)
        #expect(table[1].status == .inUse)
        #expect(throws: ValidationError.self) { try PluginAddresses.check("198.51.100.2", config) }
        #expect(throws: ValidationError.self) { try PluginAddresses.check("198.51.100.1", config) }
        #expect(throws: ValidationError.self) { try PluginAddresses.check("198.51.100.15", config) }
        #expect(throws: ValidationError.self) { try PluginAddresses.check("10.0.0.2", config) }
        #expect(try PluginAddresses.check("198.51.100.9", config).description == "198.51.100.9")
    }

    @Test func runtimeConfigHasNamespacesLimitsAndDefaultCapabilities() throws {
        let text = RuntimeConfig(id: "x", hostname: "web", args: ["/bin/httpd"], env: [], cwd: "", networkPath: "/run/netns/n",
                                 memoryLimit: 1 << 24, pidsLimit: 32, extraCapabilities: ["CAP_NET_ADMIN"], cgroupsPath: "/weft/x").render()
        let json = try JSONParser.parse(text)
        guard case .array(let namespaces)? = json["linux"]?["namespaces"] else { Issue.record("no namespaces"); return }
        #expect(namespaces.count == 5)
        #expect(json["linux"]?["resources"]?["memory"]?["limit"] == .int(1 << 24))
        #expect(json["linux"]?["resources"]?["pids"]?["limit"] == .int(32))
        #expect(json["process"]?["noNewPrivileges"] == .bool(true))
        guard case .array(let caps)? = json["process"]?["capabilities"]?["bounding"] else { Issue.record("no caps"); return }
        #expect(caps.contains(.string("CAP_NET_ADMIN")))
        #expect(!caps.contains(.string("CAP_SYS_ADMIN")))
        #expect(json["linux"]?["seccomp"]?["defaultAction"] == .string("SCMP_ACT_ALLOW"))
    }
}
