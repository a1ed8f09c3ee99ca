using System.Text.Json;

namespace Orchestrator.Emulator;

/// <summary>
/// <c>prompt_cache_options {mode, ttl, prewarm, comparison_response_id}</c> on <c>response.create</c>: each field a
/// string (or null), <c>prewarm</c> a boolean. The emulator's cache is its connection-local one, so only
/// <c>prewarm</c> acts: <c>prewarm: true</c> implies <c>generate: false</c>.
/// </summary>
internal static class PromptCacheOptionsReader
{
    private static readonly string[] StringFields = ["mode", "ttl", "comparison_response_id"];

    public static bool TryRead(JsonElement root, out bool prewarm, out ProtocolError? error)
    {
        prewarm = false;
        error = null;
        if (!root.TryGetProperty("prompt_cache_options", out JsonElement options) || options.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (options.ValueKind != JsonValueKind.Object)
        {
            error = ProtocolError.InvalidType("prompt_cache_options", "an object");
            return false;
        }

        foreach (string field in StringFields)
        {
            if (options.TryGetProperty(field, out JsonElement value) && value.ValueKind is not (JsonValueKind.String or JsonValueKind.Null))
            {
                error = ProtocolError.InvalidType($"prompt_cache_options.{field}", "a string");
                return false;
            }
        }

        if (!options.TryGetProperty("prewarm", out JsonElement flag) || flag.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (flag.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            error = ProtocolError.InvalidType("prompt_cache_options.prewarm", "a boolean");
            return false;
        }

        prewarm = flag.ValueKind == JsonValueKind.True;
        return true;
    }
}
