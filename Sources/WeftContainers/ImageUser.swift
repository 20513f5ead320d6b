/// The uid and gid of an image's USER (`name`, `uid`, `name:group`, `uid:gid`) looked up
/// in the image's own /etc/passwd and /etc/group (pure).
public enum ImageUser {
    public static func resolve(_ user: String, passwd: String, group: String) throws(DockerfileError) -> (uid: Int, gid: Int) {
        if user.isEmpty { return (0, 0) }
        let parts = user.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        func table(_ text: String) -> [[Substring]] {
            text.split(separator: "\n").map { $0.split(separator: ":", omittingEmptySubsequences: false) }.filter { $0.count >= 3 }
        }
        let users = table(passwd)
        let uid: Int
        var gid = 0
        if let number = Int(parts[0]), number >= 0 {
            uid = number
            if let row = users.first(where: { Int($0[2]) == number }), row.count >= 4, let g = Int(row[3]) { gid = g }
        } else if let row = users.first(where: { $0[0] == parts[0] }), let u = Int(row[2]) {
            uid = u
            if row.count >= 4, let g = Int(row[3]) { gid = g }
        } else {
            throw DockerfileError(line: 0, "USER \(parts[0].prefix(40)): no such user in the image's /etc/passwd")
        }
        if parts.count == 2 {
            if let number = Int(parts[1]), number >= 0 { gid = number } else if let row = table(group).first(where: { $0[0] == parts[1] }), let g = Int(row[2]) {
                gid = g
            } else {
                throw DockerfileError(line: 0, "USER \(user.prefix(40)): no such group in the image's /etc/group")
            }
        }
        return (uid, gid)
    }
}
