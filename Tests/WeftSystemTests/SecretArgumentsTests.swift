import Testing
import WeftSystem

@Suite struct SecretArgumentsTests {
    @Test func secretOptionsAndTheirValuesAreRemoved() {
        let argv = ["/usr/bin/weft", "serve", "--data-dir", "/d", "--api-password", "s3cret-1", "--admin-password=s3cret-2",
                    "--log-level", "debug"]
        #expect(SecretArguments.removing(from: argv) == ["/usr/bin/weft", "serve", "--data-dir", "/d", "--log-level", "debug"])
    }

    @Test func argumentsWithoutSecretsStayAsTheyAre() {
        let argv = ["weft", "serve", "--api-password-file", "/etc/weft/api", "--port", "8000"]
        #expect(SecretArguments.removing(from: argv) == argv)
    }

    @Test func aValueThatLooksLikeAnOptionIsStillRemoved() {
        #expect(SecretArguments.removing(from: ["weft", "serve", "--api-password", "--port"]) == ["weft", "serve"])
    }
}
