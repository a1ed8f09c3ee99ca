using Akka.Configuration;
using Orchestrator.Actors.Connections;
using Orchestrator.Actors.Conversation;
using Orchestrator.Actors.Settings;
using Orchestrator.Actors.Tools;
using Orchestrator.Http;
using Xunit;

namespace Orchestrator.Tests.Configuration;

/// <summary>
/// The reference HOCON is the one source of defaults: a settings type constructed in code has exactly the values the
/// shipped <c>hocon/engine.conf</c> binds to, and a value of the wrong type is refused naming its key.
/// </summary>
public sealed class ReferenceDefaultsTests
{
    // The repository's engine.conf as the build copies it beside the test assembly, not the embedded copy.
    private static readonly string EngineConfText = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "hocon", "engine.conf"));
    private static readonly Config EngineConf = ConfigurationFactory.ParseString(EngineConfText);
    private static readonly Uri Url = new("ws://127.0.0.1:1/v1/responses");

    [Fact]
    public void The_embedded_reference_is_the_shipped_engine_conf()
    {
        Assert.Equal(EngineConfText, EngineReference.Text);
    }

    [Fact]
    public void Settings_types_constructed_in_code_have_the_shipped_defaults()
    {
        Assert.Equal(new ConversationOptions(EngineConf), new ConversationOptions());
        Assert.Equal(new ToolInvokerOptions(EngineConf), new ToolInvokerOptions());
        Assert.Equal(new ConnectionLimits(EngineConf), new ConnectionLimits());
        Assert.Equal(new ApiOptions(EngineConf), new ApiOptions());
        Assert.Equal(EndpointSettings.For(Url, null, new ConnectionLimits(EngineConf)), new EndpointSettings { ResponsesUrl = Url });
    }

    [Fact]
    public void Code_defaults_follow_the_shipped_values_that_used_to_disagree()
    {
        // ConversationOptions said 0 (never compact) where engine.conf says 200000.
        Assert.Equal(200_000, new ConversationOptions().CompactAtInputTokens);
        Assert.Equal(64 * 1024 * 1024, new EndpointSettings { ResponsesUrl = Url }.MaxFrameBytes);
        Assert.Equal(TimeSpan.FromSeconds(15), new ApiOptions().Heartbeat);
    }

    [Theory]
    [InlineData("orchestrator.connections.max-sockets = many", "orchestrator.connections.max-sockets must be a whole number, not 'many'.")]
    [InlineData("orchestrator.connections.connect-timeout = soon", "orchestrator.connections.connect-timeout must be a duration such as 500ms, 30s or 5m, not 'soon'.")]
    [InlineData("orchestrator.conversation.warm-up = perhaps", "orchestrator.conversation.warm-up must be on or off, not 'perhaps'.")]
    [InlineData("orchestrator.conversation.max-queued-bytes = lots", "orchestrator.conversation.max-queued-bytes must be a size such as 65536, 64KiB or 4MiB, not 'lots'.")]
    [InlineData("orchestrator.connections.lanes-per-connection = 33", "orchestrator.connections.lanes-per-connection must be between 1 and 32, not 33.")]
    [InlineData("orchestrator.connections.transport = carrier-pigeon", "orchestrator.connections.transport must be auto, websocket or http, not 'carrier-pigeon'.")]
    public void A_value_of_the_wrong_type_or_range_is_refused_naming_the_key(string hocon, string message)
    {
        var config = ConfigurationFactory.ParseString(hocon);

        var error = Assert.Throws<SettingsException>(() => (new ConnectionLimits(config), new ConversationOptions(config)));

        Assert.Equal(message, error.Message);
    }
}
