using Akka.Configuration;
using Orchestrator.Actors.Connections;
using Orchestrator.Hosting.Configuration;
using Orchestrator.Messages.Events;
using Xunit;
using ConfigurationException = Orchestrator.Hosting.Configuration.ConfigurationException;

namespace Orchestrator.Tests.Configuration;

public class OrchestratorSettingsTests
{
    private const string Key = "sk-proj-SECRET-key-0123456789";

    // The repository's engine.conf and cluster.conf, copied beside the test assembly by the build.
    private static readonly Config Engine =
        ConfigurationFactory.ParseString(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "hocon", "engine.conf")))
            .WithFallback(ConfigurationFactory.ParseString(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "hocon", "cluster.conf"))));

    private static Func<string, string?> Env(params (string Name, string? Value)[] variables) =>
        name => variables.FirstOrDefault(v => v.Name == name).Value;

    private static OrchestratorSettings Load(Func<string, string?> environment, string? dataOption = null, string? endpointOption = null, Config? config = null) =>
        OrchestratorSettings.FromConfig(config ?? Engine, environment, dataOption, endpointOption);

    [Fact]
    public void A_file_named_by_ORCHESTRATOR_CONFIG_overrides_the_shipped_keys_and_keeps_the_others()
    {
        var file = Path.Combine(Path.GetTempPath(), $"orchestrator-{Guid.NewGuid():N}.conf");
        File.WriteAllText(file, "orchestrator.conversation.max-rounds-per-turn = 300");
        try
        {
            var settings = OrchestratorSettings.Load(Env((OrchestratorSettings.ConfigFileVariable, file)));

            Assert.Equal(300, settings.Conversation.MaxRoundsPerTurn);
            Assert.Equal(512, settings.Conversation.MaxToolCallsPerTurn);
            Assert.Equal(64, OrchestratorSettings.Load(Env()).Conversation.MaxRoundsPerTurn);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void A_missing_ORCHESTRATOR_CONFIG_file_is_a_configuration_error_naming_it()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"orchestrator-missing-{Guid.NewGuid():N}.conf");

        var error = Assert.Throws<ConfigurationException>(() => OrchestratorSettings.Load(Env((OrchestratorSettings.ConfigFileVariable, missing))));
        Assert.Contains(missing, error.Message);
    }

    [Fact]
    public void Engine_conf_defaults_are_read()
    {
        var settings = Load(Env());

        Assert.Equal("gpt-5.1", settings.Defaults.Model);
        Assert.False(settings.Defaults.Store);
        Assert.StartsWith("You are a helpful assistant.", settings.Defaults.Instructions);
        Assert.Equal(JournalKind.Sqlite, settings.Journal);
        Assert.Null(settings.Postgres);
        Assert.Equal(Path.GetFullPath("data"), settings.DataDirectory);
        var c = settings.Connections;
        Assert.Equal((128, 10_000, TimeSpan.FromSeconds(15), TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(10), 16, 16),
            (c.MaxSockets, c.MaxQueuedLeases, c.ConnectTimeout, c.MinBackoff, c.MaxBackoff, c.LanesPerConnection, c.MaxInFlightPerConnection));
        Assert.Equal((TimeSpan.FromMinutes(55), 0.1, TimeSpan.FromMinutes(4), 8, TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(1)),
            (c.MaxAge, c.MaxAgeJitter, c.MaxDrain, c.MaxConnecting, c.IdleTimeout, c.LeaseWaitWarningInterval));
        Assert.Equal(6, settings.Conversation.MaxSendAttempts);
        Assert.Equal(TimeSpan.FromSeconds(5), settings.Conversation.RetryMaxBackoff);
        Assert.Equal(TimeSpan.FromMinutes(2), settings.Conversation.IdleTimeout);
        Assert.Equal(settings.Defaults, settings.Conversation.Defaults);
        Assert.Equal(TimeSpan.FromSeconds(30), settings.Tools.Timeout);
        Assert.Equal(64, settings.Tools.MaxConcurrency);
    }

    [Fact]
    public void Conversation_bounds_are_read_with_their_documented_defaults()
    {
        var conversation = Load(Env()).Conversation;

        Assert.Equal(1_000_000, conversation.MaxMessageChars);
        Assert.Equal(32, conversation.MaxQueuedMessages);
        Assert.Equal(4 * 1024 * 1024, conversation.MaxQueuedBytes);
        Assert.Equal(64, conversation.MaxRoundsPerTurn);
        Assert.Equal(512, conversation.MaxToolCallsPerTurn);
        Assert.Equal(4, conversation.MaxCompactionsPerTurn);
    }

    [Fact]
    public void Conversation_bounds_are_overridden_from_hocon()
    {
        var config = ConfigurationFactory.ParseString("""
            orchestrator.conversation {
              max-queued-messages = 3
              max-queued-bytes = 64KiB
              max-rounds-per-turn = 5
              max-tool-calls-per-turn = 7
              max-compactions-per-turn = 0
            }
            """).WithFallback(Engine);

        var conversation = Load(Env(), config: config).Conversation;

        Assert.Equal(3, conversation.MaxQueuedMessages);
        Assert.Equal(64 * 1024, conversation.MaxQueuedBytes);
        Assert.Equal(5, conversation.MaxRoundsPerTurn);
        Assert.Equal(7, conversation.MaxToolCallsPerTurn);
        Assert.Equal(0, conversation.MaxCompactionsPerTurn);
    }

    [Fact]
    public void A_zero_queue_bound_is_a_configuration_error_naming_the_key()
    {
        var config = ConfigurationFactory.ParseString("orchestrator.conversation.max-queued-messages = 0").WithFallback(Engine);

        var error = Assert.Throws<ConfigurationException>(() => Load(Env(), config: config));
        Assert.Contains("conversation.max-queued-messages", error.Message);
    }

    [Fact]
    public void A_response_may_be_silent_for_5_minutes_and_run_without_limit_by_default()
    {
        var endpoint = Load(Env()).EndpointFor(new Uri("ws://127.0.0.1:1/v1/responses"));

        Assert.Equal(TimeSpan.FromMinutes(5), endpoint.ResponseIdleTimeout);
        Assert.Null(endpoint.ResponseTimeout);
    }

    [Fact]
    public void Response_limits_are_read_and_off_turns_them_off()
    {
        var config = ConfigurationFactory.ParseString("orchestrator.connections { response-idle-timeout = off, response-timeout = 20m }").WithFallback(Engine);

        var endpoint = Load(Env(), config: config).EndpointFor(new Uri("ws://127.0.0.1:1/v1/responses"));

        Assert.Null(endpoint.ResponseIdleTimeout);
        Assert.Equal(TimeSpan.FromMinutes(20), endpoint.ResponseTimeout);
    }

    [Fact]
    public void A_response_limit_of_zero_is_refused()
    {
        var config = ConfigurationFactory.ParseString("orchestrator.connections.response-idle-timeout = 0s").WithFallback(Engine);

        Assert.Contains("response-idle-timeout", Assert.Throws<ConfigurationException>(() => Load(Env(), config: config)).Message);
    }

    [Fact]
    public void No_key_and_no_endpoint_starts_the_emulator()
    {
        var settings = Load(Env(("OPENAI_BASE_URL", "https://proxy.example.com/v1")));

        Assert.Null(settings.ResponsesUrl);
        Assert.Null(settings.ApiKey);
    }

    [Fact]
    public void Blank_key_counts_as_no_key()
    {
        var settings = Load(Env(("OPENAI_API_KEY", "  ")));

        Assert.Null(settings.ApiKey);
        Assert.Null(settings.ResponsesUrl);
    }

    [Fact]
    public void Key_set_targets_openai()
    {
        var settings = Load(Env(("OPENAI_API_KEY", Key)));

        Assert.Equal(Key, settings.ApiKey);
        Assert.Equal(new Uri("wss://api.openai.com/v1/responses"), settings.ResponsesUrl);
    }

    [Fact]
    public void Key_set_with_base_url_targets_the_base_url()
    {
        var settings = Load(Env(("OPENAI_API_KEY", Key), ("OPENAI_BASE_URL", "http://127.0.0.1:8787/v1")));

        Assert.Equal(new Uri("ws://127.0.0.1:8787/v1/responses"), settings.ResponsesUrl);
    }

    [Fact]
    public void Endpoint_option_wins_over_the_environment()
    {
        var settings = Load(Env(("OPENAI_API_KEY", Key), ("OPENAI_BASE_URL", "https://proxy.example.com/v1")), endpointOption: "ws://127.0.0.1:1/responses");

        Assert.Equal(new Uri("ws://127.0.0.1:1/responses"), settings.ResponsesUrl);
    }

    [Fact]
    public void Data_directory_comes_from_the_environment_over_hocon()
    {
        var settings = Load(Env(("ORCHESTRATOR_DATA", "/var/lib/orchestrator")));

        Assert.Equal(Path.GetFullPath("/var/lib/orchestrator"), settings.DataDirectory);
    }

    [Fact]
    public void Data_directory_option_wins_over_the_environment()
    {
        var settings = Load(Env(("ORCHESTRATOR_DATA", "/var/lib/orchestrator")), dataOption: "/tmp/orch-data");

        Assert.Equal(Path.GetFullPath("/tmp/orch-data"), settings.DataDirectory);
    }

    [Fact]
    public void Blank_data_option_and_environment_fall_back_to_hocon()
    {
        var settings = Load(Env(("ORCHESTRATOR_DATA", " ")), dataOption: "");

        Assert.Equal(Path.GetFullPath("data"), settings.DataDirectory);
    }

    [Fact]
    public void Relative_data_directory_is_made_absolute()
    {
        var settings = Load(Env(("ORCHESTRATOR_DATA", "rel/dir")));

        Assert.Equal(Path.GetFullPath("rel/dir"), settings.DataDirectory);
        Assert.True(Path.IsPathRooted(settings.DataDirectory));
    }

    [Fact]
    public void Sqlite_journal_from_the_environment_is_accepted()
    {
        Assert.Equal(JournalKind.Sqlite, Load(Env(("ORCHESTRATOR_JOURNAL", "sqlite"))).Journal);
    }

    [Fact]
    public void Unsupported_journal_is_a_configuration_error_naming_it()
    {
        var e = Assert.Throws<ConfigurationException>(() => Load(Env(("ORCHESTRATOR_JOURNAL", "mysql"))));

        Assert.Contains("'mysql'", e.Message);
        Assert.Contains("ORCHESTRATOR_JOURNAL", e.Message);
    }

    [Fact]
    public void Hocon_overrides_layer_over_engine_conf()
    {
        var config = ConfigurationFactory.ParseString("""
            orchestrator { model = "gpt-test", store = true, instructions = "", connections.max-sockets = 2, tools.timeout = 5s }
            """).WithFallback(Engine);

        var settings = Load(Env(), config: config);

        Assert.Equal(new ConversationSettings("gpt-test", null, true), settings.Defaults);
        Assert.Equal(2, settings.Connections.MaxSockets);
        Assert.Equal(TimeSpan.FromSeconds(5), settings.Tools.Timeout);
    }

    [Fact]
    public void Non_positive_limit_is_a_configuration_error_naming_the_key()
    {
        var config = ConfigurationFactory.ParseString("orchestrator.tools.max-concurrency = 0").WithFallback(Engine);

        var e = Assert.Throws<ConfigurationException>(() => Load(Env(), config: config));

        Assert.Contains("orchestrator.tools.max-concurrency", e.Message);
    }

    [Fact]
    public void Zero_idle_timeout_is_a_configuration_error_naming_the_key()
    {
        var config = ConfigurationFactory.ParseString("orchestrator.connections.idle-timeout = 0s").WithFallback(Engine);

        var e = Assert.Throws<ConfigurationException>(() => Load(Env(), config: config));

        Assert.Contains("orchestrator.connections.idle-timeout", e.Message);
    }

    [Fact]
    public void Unconfigured_node_runs_over_a_thousand_turns_at_once_and_engine_conf_matches_the_endpoint_defaults()
    {
        var settings = Load(Env());

        var endpoint = settings.EndpointFor(new Uri("ws://127.0.0.1:1/v1/responses"));

        Assert.True(endpoint.MaxSockets * endpoint.LanesPerConnection >= 1000, $"{endpoint.MaxSockets} sockets x {endpoint.LanesPerConnection} lanes");
        Assert.True(endpoint.LanesPerConnection <= endpoint.MaxInFlightPerConnection, "a lane's response would wait in the socket");
        Assert.Equal(new EndpointSettings { ResponsesUrl = endpoint.ResponsesUrl }, endpoint);
    }

    [Fact]
    public void Missing_model_is_a_configuration_error()
    {
        var config = ConfigurationFactory.ParseString("""orchestrator.model = "  " """).WithFallback(Engine);

        var e = Assert.Throws<ConfigurationException>(() => Load(Env(), config: config));

        Assert.Contains("orchestrator.model", e.Message);
    }

    [Fact]
    public void Settings_text_never_contains_the_api_key()
    {
        var settings = Load(Env(("OPENAI_API_KEY", Key)));

        var text = settings.ToString();

        Assert.DoesNotContain(Key, text);
        Assert.DoesNotContain("SECRET", text);
        Assert.Contains("ApiKey = ***", text);
        Assert.Contains("wss://api.openai.com/v1/responses", text);
    }

    [Fact]
    public void Settings_text_says_when_the_emulator_is_used()
    {
        Assert.Contains("embedded emulator", Load(Env()).ToString());
        Assert.Contains("ApiKey = none", Load(Env()).ToString());
    }

    [Fact]
    public void Endpoint_settings_carry_the_key_and_limits_but_never_print_it()
    {
        var settings = Load(Env(("OPENAI_API_KEY", Key)));

        var endpoint = settings.EndpointFor(settings.ResponsesUrl!);

        Assert.Equal(Key, endpoint.ApiKey);
        Assert.Equal(settings.Connections.MaxSockets, endpoint.MaxSockets);
        Assert.Equal(settings.Connections.MaxBackoff, endpoint.MaxBackoff);
        Assert.DoesNotContain(Key, endpoint.ToString());
        Assert.DoesNotContain(Key, $"{endpoint}");
        Assert.Contains("ApiKey = ***", endpoint.ToString());
    }
}
