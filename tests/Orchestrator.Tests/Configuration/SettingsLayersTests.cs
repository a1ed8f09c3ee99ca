using Microsoft.Extensions.Configuration;
using Orchestrator.Cli;
using Orchestrator.Hosting.Configuration;
using Orchestrator.Http;
using Xunit;

namespace Orchestrator.Tests.Configuration;

/// <summary>
/// One precedence, lowest first: the reference HOCON, an operator's HOCON file (--config, else ORCHESTRATOR_CONFIG),
/// appsettings.json, ORCHESTRATOR__… environment variables, the variables of single settings (ORCHESTRATOR_DATA, …),
/// the command line's options. Unknown keys and mistyped values stop the start, naming the key.
/// </summary>
public sealed class SettingsLayersTests : IDisposable
{
    private readonly string _directory = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"orchestrator-layers-{Guid.NewGuid():N}")).FullName;
    // Environment variables under a prefix of this test's own, so that no other test sees them.
    private readonly string _prefix = $"T{Guid.NewGuid():N}_";
    private readonly List<string> _variables = [];

    public void Dispose()
    {
        foreach (var variable in _variables) Environment.SetEnvironmentVariable(variable, null);
        Directory.Delete(_directory, recursive: true);
    }

    private string WriteFile(string name, string text)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>appsettings.json (if given), then the environment variables, as the CLI reads them.</summary>
    private IConfiguration Host(string? json, params (string Name, string Value)[] variables)
    {
        foreach (var (name, value) in variables)
        {
            _variables.Add(_prefix + name);
            Environment.SetEnvironmentVariable(_prefix + name, value);
        }
        var builder = new ConfigurationBuilder();
        if (json is not null) builder.AddJsonFile(json);
        return builder.AddEnvironmentVariables(_prefix).Build();
    }

    private static Func<string, string?> Env(params (string Name, string? Value)[] variables) =>
        name => variables.FirstOrDefault(v => v.Name == name).Value;

    [Fact]
    public void Each_layer_wins_over_the_ones_below_it()
    {
        var file = WriteFile("operator.conf", "orchestrator { data-directory = from-file, connections.max-sockets = 7, tools.max-concurrency = 3 }");
        var json = WriteFile("appsettings.json", """{ "Orchestrator": { "DataDirectory": "from-json", "Connections": { "MaxSockets": 8 } } }""");

        Assert.Equal(Path.GetFullPath("data"), OrchestratorSettings.Load(Env()).DataDirectory);
        var fromFile = OrchestratorSettings.Load(Env(), configFile: file);
        Assert.Equal((Path.GetFullPath("from-file"), 7), (fromFile.DataDirectory, fromFile.Connections.MaxSockets));
        var fromJson = OrchestratorSettings.Load(Env(), configFile: file, configuration: Host(json));
        Assert.Equal((Path.GetFullPath("from-json"), 8, 3), (fromJson.DataDirectory, fromJson.Connections.MaxSockets, fromJson.Tools.MaxConcurrency));
        var host = Host(json, ("ORCHESTRATOR__DataDirectory", "from-env"));
        Assert.Equal(Path.GetFullPath("from-env"), OrchestratorSettings.Load(Env(), configFile: file, configuration: host).DataDirectory);
        Assert.Equal(Path.GetFullPath("from-variable"), OrchestratorSettings.Load(Env(("ORCHESTRATOR_DATA", "from-variable")), configFile: file, configuration: host).DataDirectory);
        Assert.Equal(Path.GetFullPath("from-option"), OrchestratorSettings.Load(Env(("ORCHESTRATOR_DATA", "from-variable")), "from-option", configFile: file, configuration: host).DataDirectory);
    }

    [Fact]
    public void The_config_option_wins_over_ORCHESTRATOR_CONFIG()
    {
        var named = WriteFile("named.conf", "orchestrator.conversation.max-rounds-per-turn = 10");
        var option = WriteFile("option.conf", "orchestrator.conversation.max-rounds-per-turn = 20");

        Assert.Equal(10, OrchestratorSettings.Load(Env((OrchestratorSettings.ConfigFileVariable, named))).Conversation.MaxRoundsPerTurn);
        Assert.Equal(20, OrchestratorSettings.Load(Env((OrchestratorSettings.ConfigFileVariable, named)), configFile: option).Conversation.MaxRoundsPerTurn);
    }

    [Theory]
    [InlineData("ORCHESTRATOR__Connections__MaxSockets")]
    [InlineData("ORCHESTRATOR__CONNECTIONS__MAX_SOCKETS")]
    [InlineData("ORCHESTRATOR__connections__max-sockets")]
    [InlineData("ORCHESTRATOR__CONNECTIONS__MAXSOCKETS")]
    public void An_environment_variable_in_any_spelling_sets_its_setting(string variable)
    {
        var settings = OrchestratorSettings.Load(Env(), configuration: Host(null, (variable, "5")));

        Assert.Equal(5, settings.Connections.MaxSockets);
    }

    [Fact]
    public void Nested_sections_and_every_kind_of_value_map_through_the_environment()
    {
        var settings = OrchestratorSettings.Load(Env(), configuration: Host(null,
            ("ORCHESTRATOR__Api__RateLimit__RequestsPerSecond", "7"),
            ("ORCHESTRATOR__Conversation__MaxQueuedBytes", "64KiB"),
            ("ORCHESTRATOR__Conversation__WarmUp", "on"),
            ("ORCHESTRATOR__Connections__ResponseTimeout", "20m"),
            ("ORCHESTRATOR__Instructions", "Answer in French: briefly, {politely}.")));

        Assert.Equal(7, ApiOptions.FromConfig(settings.Hocon, _ => null).RequestsPerSecond);
        Assert.Equal((64 * 1024L, true), (settings.Conversation.MaxQueuedBytes, settings.Conversation.WarmUp));
        Assert.Equal(TimeSpan.FromMinutes(20), settings.Connections.ResponseTimeout);
        Assert.Equal("Answer in French: briefly, {politely}.", settings.Defaults.Instructions);
    }

    [Fact]
    public void An_unknown_key_in_a_file_is_refused_naming_the_nearest_setting()
    {
        var file = WriteFile("typo.conf", "orchestrator.connections.max-sokets = 64");

        var error = Assert.Throws<ConfigurationException>(() => OrchestratorSettings.Load(Env(), configFile: file));

        Assert.Equal($"unknown setting orchestrator.connections.max-sokets ({file}); did you mean orchestrator.connections.max-sockets?", error.Message);
    }

    [Fact]
    public void An_unknown_environment_variable_is_refused_naming_it_and_the_nearest_setting()
    {
        var error = Assert.Throws<ConfigurationException>(() =>
            OrchestratorSettings.Load(Env(), configuration: Host(null, ("ORCHESTRATOR__Connections__MaxSokets", "64"))));

        Assert.Equal(
            "unknown setting orchestrator.connections.max-sokets (environment variable ORCHESTRATOR__Connections__MaxSokets); did you mean orchestrator.connections.max-sockets?",
            error.Message);
    }

    [Fact]
    public void An_unknown_key_in_appsettings_json_is_refused_naming_the_file()
    {
        var json = WriteFile("appsettings.json", """{ "Orchestrator": { "Tools": { "MaxConcurency": 4 } } }""");

        var error = Assert.Throws<ConfigurationException>(() => OrchestratorSettings.Load(Env(), configuration: Host(json)));

        Assert.Equal($"unknown setting orchestrator.tools.max-concurency (key Orchestrator:Tools:MaxConcurency of appsettings.json); did you mean orchestrator.tools.max-concurrency?", error.Message);
    }

    [Fact]
    public void A_key_near_no_setting_points_at_the_reference()
    {
        var file = WriteFile("colour.conf", "orchestrator.colour = blue");

        var error = Assert.Throws<ConfigurationException>(() => OrchestratorSettings.Load(Env(), configFile: file));

        Assert.Equal($"unknown setting orchestrator.colour ({file}); hocon/engine.conf lists every setting.", error.Message);
    }

    [Fact]
    public void A_mistyped_value_from_the_environment_is_refused_naming_the_key()
    {
        var error = Assert.Throws<ConfigurationException>(() =>
            OrchestratorSettings.Load(Env(), configuration: Host(null, ("ORCHESTRATOR__Connections__MaxSockets", "many"))));

        Assert.Equal("orchestrator.connections.max-sockets must be a whole number, not 'many'.", error.Message);
    }

    [Fact]
    public async Task The_cli_exits_with_2_and_one_line_for_an_unknown_key_or_a_mistyped_value()
    {
        var typo = WriteFile("typo.conf", "orchestrator.connections.max-sokets = 64");
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        Assert.Equal(2, await Program.RunAsync(["run", "hello", "--config", typo, "--data", _directory], _ => null, stdout, stderr));
        Assert.Equal($"error: unknown setting orchestrator.connections.max-sokets ({typo}); did you mean orchestrator.connections.max-sockets?", stderr.ToString().Trim());

        stderr.GetStringBuilder().Clear();
        var host = Host(null, ("ORCHESTRATOR__Tools__Timeout", "soon"));
        Assert.Equal(2, await Program.RunAsync(["run", "hello", "--data", _directory], _ => null, stdout, stderr, host));
        Assert.Equal("error: orchestrator.tools.timeout must be a duration such as 500ms, 30s or 5m, not 'soon'.", stderr.ToString().Trim());
        Assert.Equal("", stdout.ToString());
    }
}
