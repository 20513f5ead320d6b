import Testing
import WeftModel

@Suite struct AlertTemplateTests {
    let event = AlertEvent(name: "tunnel_down", time: 100, fields: ["tunnel_description": "dc1: 10.1.0.0/24 ↔ 10.2.0.0/24", "message": "say \"hi\"\n"])

    @Test func jsonTemplatesGetEscapedValues() {
        let body = event.render(#"{"text": "%{message}", "t": "%{tunnel_description}", "e": "%{event}", "c": "%{controller}"}"#,
                                common: ["controller": "198.18.0.11"], custom: [])
        #expect(body == #"{"text": "say \"hi\"\n", "t": "dc1: 10.1.0.0/24 ↔ 10.2.0.0/24", "e": "tunnel_down", "c": "198.18.0.11"}"#)
    }

    @Test func plainTemplatesTakeValuesAsTheyAreAndUnknownPlaceholdersBecomeEmpty() {
        let body = event.render("%{event} at %{site} %{nothing}! %{unterminated", common: [:], custom: [NameValue(name: "site", value: "dc1")])
        #expect(body == "tunnel_down at dc1 ! %{unterminated")
    }
}
