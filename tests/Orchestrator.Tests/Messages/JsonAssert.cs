using System.Text.Json;
using Xunit;

namespace Orchestrator.Tests.Messages;

/// <summary>JSON comparisons by value (property order and whitespace do not matter), with both texts in the failure.</summary>
internal static class JsonAssert
{
    public static void DeepEqual(string expected, string actual)
    {
        using var e = JsonDocument.Parse(expected);
        using var a = JsonDocument.Parse(actual);
        Assert.True(JsonElement.DeepEquals(e.RootElement, a.RootElement), $"Expected JSON\n{expected}\nbut got\n{actual}");
    }

    public static void DeepEqual(string expected, JsonElement actual) => DeepEqual(expected, actual.GetRawText());
}
