using System.Text.RegularExpressions;
using Orchestrator.Hosting.Configuration;

namespace Orchestrator.Hosting.Client;

/// <summary>Conversation ids are persistence ids and URL segments: a short, safe alphabet.</summary>
public static partial class ConversationIds
{
    public static string New() => "c-" + Guid.NewGuid().ToString("N")[..12];

    public static string Validate(string id) =>
        ValidId().IsMatch(id)
            ? id
            : throw new ConfigurationException($"Conversation id '{id}' is not valid: use 1-128 letters, digits, '.', '_', ':' or '-', starting with a letter or digit.");

    // \z, not $: $ also matches before a final newline, which would let "id\n" into the journal and the Location header.
    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}\z")]
    private static partial Regex ValidId();
}
