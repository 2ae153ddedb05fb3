using System.Text.Json;
using Grains.Deals.Signing;

namespace Tests.Deals;

public sealed class CanonicalJsonTests
{
    [Fact]
    public void Key_order_and_whitespace_do_not_change_the_canonical_text_or_its_hash()
    {
        const string a = """{"total": 1250.00, "items": [{"sku": "A", "qty": 2}, {"qty": 1, "sku": "B"}], "currency": "AUD"}""";
        const string b = """
            {
              "currency":"AUD",
              "items":[ {"qty":2,"sku":"A"}, {"sku":"B","qty":1} ],
              "total":1250.00
            }
            """;

        Assert.Equal("""{"currency":"AUD","items":[{"qty":2,"sku":"A"},{"qty":1,"sku":"B"}],"total":1250.00}""", CanonicalJson.Canonicalize(a));
        Assert.Equal(CanonicalJson.Canonicalize(a), CanonicalJson.Canonicalize(b));
        Assert.Equal(CanonicalJson.Sha256Hex(CanonicalJson.Canonicalize(a)), CanonicalJson.Sha256Hex(CanonicalJson.Canonicalize(b)));
    }

    [Fact]
    public void Array_order_and_number_spelling_are_kept()
    {
        Assert.NotEqual(CanonicalJson.Canonicalize("[1,2]"), CanonicalJson.Canonicalize("[2,1]"));
        Assert.Equal("""{"a":1.50,"b":1e3,"c":-0,"d":12345678901234567890123}""",
            CanonicalJson.Canonicalize("""{"d":12345678901234567890123,"c":-0,"b":1e3,"a":1.50}"""));
    }

    [Fact]
    public void Keys_sort_ordinally_and_strings_are_escaped_one_way()
    {
        Assert.Equal("""{"B":1,"a":2,"é":3}""", CanonicalJson.Canonicalize("""{"é":3,"a":2,"B":1}"""));
        // The same string written with different escapes has one canonical form.
        Assert.Equal(CanonicalJson.Canonicalize("""["caf\u00e9 \"q\" \/ \u0001\n"]"""), CanonicalJson.Canonicalize("[\"café \\\"q\\\" / \\u0001\\n\"]"));
        Assert.Equal("""["café \"q\" / \u0001\n\\"]""", CanonicalJson.Canonicalize("""["caf\u00e9 \"q\" \/ \u0001\u000a\u005c"]"""));
        Assert.Equal("""{"a":null,"b":true,"c":false,"d":{}}""", CanonicalJson.Canonicalize("""{ "d" : { } , "c":false,"b":true,"a":null}"""));
    }

    [Fact]
    public void Bad_input_and_duplicate_keys_are_refused()
    {
        Assert.ThrowsAny<JsonException>(() => CanonicalJson.Canonicalize("{\"a\":"));
        Assert.ThrowsAny<JsonException>(() => CanonicalJson.Canonicalize("""{"a":1,"a":2}"""));
        Assert.ThrowsAny<JsonException>(() => CanonicalJson.Canonicalize("""["\ud800"]"""));
    }

    [Fact]
    public void Sha256Hex_is_lowercase_hex_of_the_utf8_bytes()
    {
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", CanonicalJson.Sha256Hex(""));
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", CanonicalJson.Sha256Hex("abc"));
    }
}
