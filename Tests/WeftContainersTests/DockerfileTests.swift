import Testing
@testable import WeftContainers

/// Dockerfiles read and planned without touching anything: every supported instruction,
/// refusals with their line numbers, and build contexts whose entries escape their root.
@Suite struct DockerfileTests {
    func plan(_ text: String, base: ImageConfig = ImageConfig(env: ["PATH=/bin"])) throws -> BuildPlan {
        try BuildPlan.make(try Dockerfile.parse(text), baseConfig: base)
    }

    func refusal(_ text: String) -> String? {
        do { _ = try plan(text); return nil } catch { return "\(error)" }
    }

    @Test func everyInstructionIsPlanned() throws {
        let plan = try plan("""
            # syntax comment
            ARG BASE=vns3local:base_image
            FROM ${BASE}
            ARG VERSION=2
            ENV APP=/opt/app GREETING="hello world"
            ENV LEGACY value with blanks
            WORKDIR $APP
            RUN echo building $VERSION > built.txt
            RUN ["/bin/sh", "-c", "echo exec form"]
            COPY key.pem ${APP}/keys/
            ADD rootfs.tar /
            USER nobody:nogroup
            EXPOSE 80 53/udp 443/tcp
            LABEL org.example.name="my plugin" version=$VERSION
            MAINTAINER someone@example.com
            ENTRYPOINT ["/bin/app"]
            CMD --serve
            """)
        #expect(plan.base == .local("base_image"))
        #expect(plan.config.env == ["PATH=/bin", "APP=/opt/app", "GREETING=hello world", "LEGACY=value with blanks"])
        #expect(plan.config.workingDir == "/opt/app")
        #expect(plan.config.user == "nobody:nogroup")
        #expect(plan.config.exposedPorts == ["80/tcp", "53/udp", "443/tcp"])
        #expect(plan.config.labels == ["org.example.name": "my plugin", "version": "2", "maintainer": "someone@example.com"])
        #expect(plan.config.entrypoint == ["/bin/app"])
        #expect(plan.config.cmd == ["/bin/sh", "-c", "--serve"])
        #expect(plan.actions == [
            .makeDirectory(line: 7, path: "/opt/app"),
            .run(line: 8, argv: ["/bin/sh", "-c", "echo building $VERSION > built.txt"],
                 env: ["PATH=/bin", "APP=/opt/app", "GREETING=hello world", "LEGACY=value with blanks", "VERSION=2"], workdir: "/opt/app", user: ""),
            .run(line: 9, argv: ["/bin/sh", "-c", "echo exec form"],
                 env: ["PATH=/bin", "APP=/opt/app", "GREETING=hello world", "LEGACY=value with blanks", "VERSION=2"], workdir: "/opt/app", user: ""),
            .copy(line: 10, sources: ["key.pem"], destination: "/opt/app/keys/", extract: false),
            .copy(line: 11, sources: ["rootfs.tar"], destination: "/", extract: true),
        ])
    }

    @Test func fromNamesScratchALocalImageOrAnID() throws {
        #expect(try BuildPlan.base(of: Dockerfile.parse("FROM scratch")) == .scratch)
        #expect(try BuildPlan.base(of: Dockerfile.parse("from web:1.0 AS build")) == .local("web:1.0"))
        #expect(try BuildPlan.base(of: Dockerfile.parse("FROM vns3local:base_image")) == .local("base_image"))
        #expect(try BuildPlan.base(of: Dockerfile.parse("ARG B=x\nFROM $B"), buildArgs: ["B": "y"]) == .local("y"))
    }

    @Test func continuationsCommentsAndCRLFJoinIntoOneInstruction() throws {
        let file = try Dockerfile.parse("FROM scratch\r\nRUN apk add \\\n  # a comment inside\n\n  curl \\\n  jq\r\n")
        #expect(file.instructions == [Dockerfile.Instruction(line: 2, keyword: "RUN", arguments: "apk add curl jq")])
    }

    @Test func anEntrypointClearsTheBaseCommandButNotItsOwn() throws {
        let base = ImageConfig(cmd: ["/bin/sh"])
        #expect(try plan("FROM x\nENTRYPOINT [\"/e\"]", base: base).config.cmd == [])
        #expect(try plan("FROM x\nCMD [\"a\"]\nENTRYPOINT [\"/e\"]", base: base).config.cmd == [])
        #expect(try plan("FROM x\nENTRYPOINT [\"/e\"]\nCMD [\"a\"]", base: base).config.cmd == ["a"])
        #expect(try plan("FROM x\nCMD echo hi", base: base).config.cmd == ["/bin/sh", "-c", "echo hi"])
    }

    @Test func substitutionForms() throws {
        let vars = ["A": "1", "E": ""]
        #expect(try DockerfileWords.substitute("$A ${A} ${B:-dflt} ${E:-e} ${A:+set} ${B:+x} \\$A '$A'", vars, line: 1)
                == "1 1 dflt e set  \\$A '$A'")
        #expect(try DockerfileWords.split("a \"b c\" 'd e' f\\ g", line: 1) == ["a", "b c", "d e", "f g"])
        #expect(DockerfileWords.jsonArray("[\"a\", \"b\"]") == ["a", "b"])
        #expect(DockerfileWords.jsonArray("[not json") == nil)
        #expect(DockerfileWords.jsonArray("[1, 2]") == nil)
    }

    @Test func unsupportedAndBadLinesAreRefusedWithTheirLine() {
        #expect(refusal("FROM scratch\n\nHEALTHCHECK CMD true") == "Dockerfile line 3: HEALTHCHECK is not supported")
        #expect(refusal("FROM scratch\nVOLUME /data") == "Dockerfile line 2: VOLUME is not supported")
        #expect(refusal("FROM scratch\nSHELL [\"/bin/bash\"]") == "Dockerfile line 2: SHELL is not supported")
        #expect(refusal("FROM scratch\nONBUILD RUN x") == "Dockerfile line 2: ONBUILD is not supported")
        #expect(refusal("FROM scratch\nSTOPSIGNAL TERM") == "Dockerfile line 2: STOPSIGNAL is not supported")
        #expect(refusal("FROM scratch\nFROBNICATE x") == "Dockerfile line 2: unknown instruction FROBNICATE")
        #expect(refusal("# only a comment\nRUN true") == "Dockerfile line 2: RUN before FROM: the Dockerfile must start with FROM")
        #expect(refusal("RUN true\n") == "Dockerfile line 1: RUN before FROM: the Dockerfile must start with FROM")
        #expect(refusal("") == "Dockerfile: the Dockerfile has no FROM")
        #expect(refusal("FROM a\nFROM b") == "Dockerfile line 2: a second FROM (a multi-stage build) is not supported")
        #expect(refusal("FROM a\nRUN") == "Dockerfile line 2: RUN needs arguments")
        #expect(refusal("FROM a\n COPY onlyone") == "Dockerfile line 2: COPY needs a source and a destination")
        #expect(refusal("FROM a\nCOPY --from=build /x /y") == "Dockerfile line 2: COPY --from is not supported")
        #expect(refusal("FROM a\nADD https://example.com/x.tar /") ==
                "Dockerfile line 2: ADD https://example.com/x.tar: remote sources are not supported, put the file in the build context")
        #expect(refusal("FROM a\nCOPY a b c") == "Dockerfile line 2: COPY with several sources needs a destination directory ending in /")
        #expect(refusal("FROM a\nEXPOSE 99999") == "Dockerfile line 2: EXPOSE 99999: expected PORT or PORT/tcp|udp|sctp")
        #expect(refusal("FROM a\nENV 1BAD=x") == "Dockerfile line 2: ENV 1BAD is not a variable name")
        #expect(refusal("FROM a\nLABEL novalue") == "Dockerfile line 2: LABEL novalue: expected KEY=VALUE")
        #expect(refusal("FROM a\nWORKDIR /a /b") == "Dockerfile line 2: WORKDIR takes one path")
        #expect(refusal("FROM a\nUSER a b") == "Dockerfile line 2: USER takes one user (name or uid, optionally :group)")
        #expect(refusal("FROM a\nENV A=\"open") == "Dockerfile line 2: unclosed quote")
        #expect(refusal("FROM a\nRUN --mount=type=cache true") == "Dockerfile line 2: RUN --mount=type=cache is not supported")
        #expect(refusal("FROM a\nCOPY ${X x /y") == "Dockerfile line 2: unclosed ${ in ${X x /y")
        #expect(refusal("FROM --platform=linux/amd64 a") == "Dockerfile line 1: FROM --platform=linux/amd64 is not supported")
        #expect(refusal("FROM a\n12 x") == "Dockerfile line 2: \"12 x\" is not an instruction")
    }

    @Test func aContextCopiesFilesDirectoriesAndGlobs() throws {
        var tar = TarBuilder()
        tar.file("Dockerfile", "FROM scratch\n")
        tar.add("keys/", kind: .directory, mode: 0o755)
        tar.file("keys/a.pem", "A")
        tar.file("keys/b.pem", "B")
        tar.add("keys/current", kind: .symlink, link: "a.pem")
        tar.file("run.sh", "#!/bin/sh\n")
        tar.file("implicit/dir/x", "x")
        let context = try BuildContext.read(tar.finished, limit: 1 << 20)
        #expect(context.dockerfile == "FROM scratch\n")
        func names(_ parts: [(directory: String, steps: [LayerPlan.Step])]) -> [String] {
            parts.flatMap { part in part.steps.map { step -> String in
                switch step {
                case .file(let path, _, _), .directory(let path, _), .symlink(let path, _): return part.directory + "|" + path
                default: return "?"
                }
            } }
        }
        #expect(names(try context.copy("run.sh", to: "/usr/bin/start", line: 1)) == ["/usr/bin|start"])
        #expect(names(try context.copy("./run.sh", to: "/usr/bin/", line: 1)) == ["/usr/bin|run.sh"])
        #expect(names(try context.copy("keys", to: "/etc/keys", line: 1)) == ["/etc/keys|a.pem", "/etc/keys|b.pem", "/etc/keys|current"])
        #expect(names(try context.copy("keys/*.pem", to: "/k/", line: 1)) == ["/k|a.pem", "/k|b.pem"])
        #expect(names(try context.copy("implicit/", to: "/i", line: 1)) == ["/i|dir/x"])
        #expect(line { _ = try context.copy("missing", to: "/x", line: 4) } == 4)
        #expect(line { _ = try context.copy("../etc/passwd", to: "/x", line: 5) } == 5)
        #expect(context.file("keys/a.pem") == Array("A".utf8))
    }

    @Test func aPlainDockerfileIsItsOwnContext() throws {
        let context = try BuildContext.read(Array("FROM scratch\nCMD [\"/x\"]\n".utf8), limit: 1 << 20)
        #expect(context.dockerfile.hasPrefix("FROM scratch"))
        #expect(context.entries.isEmpty)
    }

    @Test func contextsThatEscapeTheirRootAreRefused() {
        func refused(_ build: (inout TarBuilder) -> Void) -> ImageArchiveError.Code? {
            var tar = TarBuilder()
            tar.file("Dockerfile", "FROM scratch\n")
            build(&tar)
            do { _ = try BuildContext.read(tar.finished, limit: 1 << 20); return nil } catch { return error.code }
        }
        #expect(refused { $0.file("../escape", "x") } == .unsafePath)
        #expect(refused { $0.file("a/../../escape", "x") } == .unsafePath)
        #expect(refused { $0.file("/etc/passwd", "x") } == .unsafePath)
        #expect(refused { $0.add("link", kind: .symlink, link: "/etc/shadow") } == .unsafeLink)
        #expect(refused { $0.add("a/link", kind: .symlink, link: "../../etc") } == .unsafeLink)
        #expect(refused { $0.add("hard", kind: .hardlink, link: "Dockerfile") } == .unsafeLink)
        #expect(refused { $0.add("dev", kind: .char) } == .deviceNode)
        #expect(refused { $0.file("dir/.wh.x", "") } == .unsafePath)
        #expect(refused { $0.add("ok", kind: .symlink, link: "Dockerfile") } == nil)
        var none = TarBuilder()
        none.file("other", "x")
        #expect(throws: ImageArchiveError(.missingEntry, "")) { try BuildContext.read(none.finished, limit: 1 << 20) }
    }

    @Test func zipContextsAreReadAndCheckedLikeTars() throws {
        let good = zip([("Dockerfile", "FROM scratch\nCOPY a /a\n", 0o100644), ("a", "content", 0o100755)])
        let context = try BuildContext.read(good, limit: 1 << 20)
        #expect(context.dockerfile == "FROM scratch\nCOPY a /a\n")
        #expect(context.file("a") == Array("content".utf8))
        #expect(context.entries.first { $0.path == "a" }?.mode == 0o755)
        #expect(throws: ImageArchiveError(.unsafePath, "")) {
            try BuildContext.read(zip([("Dockerfile", "FROM scratch\n", 0o100644), ("../../x", "x", 0o100644)]), limit: 1 << 20)
        }
        #expect(throws: ImageArchiveError(.unsafeLink, "")) {
            try BuildContext.read(zip([("Dockerfile", "FROM scratch\n", 0o100644), ("l", "/etc/passwd", 0o120777)]), limit: 1 << 20)
        }
    }

    @Test func usersResolveFromTheImagesTables() throws {
        let passwd = "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/:/bin/false\napp:x:1000:1001::/home/app:/bin/sh\n"
        let group = "root:x:0:\nnogroup:x:65534:\nstaff:x:50:\n"
        #expect(try ImageUser.resolve("", passwd: passwd, group: group) == (0, 0))
        #expect(try ImageUser.resolve("app", passwd: passwd, group: group) == (1000, 1001))
        #expect(try ImageUser.resolve("app:staff", passwd: passwd, group: group) == (1000, 50))
        #expect(try ImageUser.resolve("4242:7", passwd: passwd, group: group) == (4242, 7))
        #expect(line { _ = try ImageUser.resolve("ghost", passwd: passwd, group: group) } == 0)
    }

    @Test func normalizedPathsStayBelowTheRoot() {
        #expect(BuildPlan.normalized("/a/./b//c/../d") == "/a/b/d")
        #expect(BuildPlan.normalized("/../../x") == "/x")
    }

    /// A zip of stored entries (name, content, unix mode).
    func zip(_ files: [(String, String, Int)]) -> [UInt8] {
        var out: [UInt8] = []
        var central: [UInt8] = []
        func u16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
        func u32(_ v: Int) -> [UInt8] { u16(v & 0xFFFF) + u16(v >> 16 & 0xFFFF) }
        for (name, content, mode) in files {
            let offset = out.count
            let data = Array(content.utf8), nameBytes = Array(name.utf8)
            out += u32(0x0403_4B50) + u16(20) + u16(0) + u16(0) + u16(0) + u16(0) + u32(0) + u32(data.count) + u32(data.count)
            out += u16(nameBytes.count) + u16(0) + nameBytes + data
            central += u32(0x0201_4B50) + u16(0x031E) + u16(20) + u16(0) + u16(0) + u16(0) + u16(0) + u32(0) + u32(data.count) + u32(data.count)
            central += u16(nameBytes.count) + u16(0) + u16(0) + u16(0) + u16(0) + u32(mode << 16) + u32(offset) + nameBytes
        }
        let start = out.count
        out += central
        out += u32(0x0605_4B50) + u16(0) + u16(0) + u16(files.count) + u16(files.count) + u32(central.count) + u32(start) + u16(0)
        return out
    }
}

/// The line of the DockerfileError `body` throws (nil: none thrown).
func line(_ body: () throws -> Void) -> Int? {
    do { try body(); return nil } catch let error as DockerfileError { return error.line } catch { return -1 }
}
