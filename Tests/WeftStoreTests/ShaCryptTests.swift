import Testing
import WeftStore

/// SHA-512 crypt against Drepper's published vector and `openssl passwd -6 -salt`.
@Suite struct ShaCryptTests {
    @Test func matchesTheReferenceVectors() {
        #expect(ShaCrypt.hash("Hello world!", salt: "saltstring")
            == "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1")
        #expect(ShaCrypt.hash("a", salt: "abcdefghijklmnop")
            == "$6$abcdefghijklmnop$5IETrK7DfmBLCcDDd2uUkHSMDWAJF6Icsj01AxgOg03tQ1u38QhUaKCWDwYi/e/EJYW.XtfPCzI7EG7M7zlvZ.")
        #expect(ShaCrypt.hash("pässwörd", salt: "x") == "$6$x$CcOozKa6JVx4D2D8MkLiJrFeNI7WXH.mpgK166.0Klw7xGHTCeLuyZxq45XcTgw97w7RIg7n9epLe.7jp3kKM/")
        let long = "longer password here than sixty-four bytes xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
        #expect(ShaCrypt.hash(long, salt: "abcdefghijklmnop")
            == "$6$abcdefghijklmnop$OqfC4OxuIyxBbyUcg2YNr1K9P8868tOPC3b8W8PQVwErK75k/wS.I8rgtu6byWrbhjgAd28W6kAV9IFz5roxB0")
    }

    @Test func aRandomSaltVerifiesOnlyItsPassword() {
        let stored = ShaCrypt.hash("s3cret")
        #expect(stored.hasPrefix("$6$") && stored.split(separator: "$")[1].count == 16)
        #expect(ShaCrypt.verify("s3cret", stored))
        #expect(!ShaCrypt.verify("s3cret!", stored))
        #expect(!ShaCrypt.verify("s3cret", "$1$abc$def"))
    }
}
