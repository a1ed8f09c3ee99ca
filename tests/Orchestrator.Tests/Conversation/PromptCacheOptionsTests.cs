using System.Text.Json;
using Orchestrator.Actors.Conversation;
using Orchestrator.Messages.Conversations;
using Orchestrator.Messages.Events;
using Orchestrator.Messages.Protocol;
using Orchestrator.Messages.Serialization;
using Xunit;

namespace Orchestrator.Tests.Conversation;

/// <summary>A conversation's prompt_cache_options: persisted with its settings, sent with each request, prewarm only by the warm-up.</summary>
public sealed class PromptCacheOptionsTests
{
    private static readonly PromptCacheOptions Prewarming = new(Mode: "extended", Ttl: "24h", Prewarm: true, ComparisonResponseId: "resp_0");
    private static readonly ConversationSettings Settings = new("gpt-6", "Be brief.", Store: false, PromptCache: Prewarming);

    private static JsonElement Json(ResponseCreate request) => JsonDocument.Parse(request.ToUtf8Bytes()).RootElement;

    [Fact]
    public void The_warm_up_is_a_prewarm_when_the_options_ask_for_it()
    {
        var warmUp = Json(NextRequestPlanner.WarmUp(Settings, []));

        Assert.False(warmUp.TryGetProperty("generate", out _));
        var options = warmUp.GetProperty("prompt_cache_options");
        Assert.True(options.GetProperty("prewarm").GetBoolean());
        Assert.Equal("extended", options.GetProperty("mode").GetString());
        Assert.Equal("24h", options.GetProperty("ttl").GetString());
        Assert.Equal("resp_0", options.GetProperty("comparison_response_id").GetString());
    }

    [Fact]
    public void Without_prewarm_the_warm_up_generates_nothing_as_before()
    {
        var warmUp = Json(NextRequestPlanner.WarmUp(Settings with { PromptCache = new PromptCacheOptions(Mode: "extended") }, []));

        Assert.False(warmUp.GetProperty("generate").GetBoolean());
        Assert.False(warmUp.GetProperty("prompt_cache_options").TryGetProperty("prewarm", out _));
    }

    [Fact]
    public void A_request_that_answers_carries_the_options_without_prewarm_and_none_without_options()
    {
        var state = ConversationState.Empty
            .Apply(new ConversationStarted(Settings))
            .Apply(new UserMessageAccepted("m1", Item.UserMessage("hello")));

        var request = Json(NextRequestPlanner.Plan(state, null, chainLost: false).ToRequest(Settings, []));
        var plain = Json(NextRequestPlanner.Plan(state, null, chainLost: false).ToRequest(Settings with { PromptCache = null }, []));

        Assert.Equal("extended", request.GetProperty("prompt_cache_options").GetProperty("mode").GetString());
        Assert.False(request.GetProperty("prompt_cache_options").TryGetProperty("prewarm", out _));
        Assert.False(plain.TryGetProperty("prompt_cache_options", out _));
    }

    [Fact]
    public void A_conversation_created_with_options_keeps_them_in_its_journal()
    {
        var started = ConversationState.Empty.Decide(new CreateConversation("c1", PromptCache: Prewarming), new ConversationSettings("gpt-6"))!;
        var serializer = new PersistedEventSerializer(null!);

        var read = (ConversationStarted)serializer.FromBinary(serializer.ToBinary(started), serializer.Manifest(started));

        Assert.Equal(Prewarming, read.Settings.PromptCache);
    }
}
