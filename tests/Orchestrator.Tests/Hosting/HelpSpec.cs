using Orchestrator.Cli;
using Xunit;

namespace Orchestrator.Tests.Hosting;

/// <summary><c>--help</c> of the tool and of every verb: exit 0, a description, and every option the verb takes.</summary>
public sealed class HelpSpec
{
    [Theory]
    [InlineData("run", new[] { "<message>", "--conversation", "--endpoint", "--data", "--json", "--timeout", "--verbose" })]
    [InlineData("serve", new[] { "--urls", "--endpoint", "--data", "--cluster-host", "--cluster-port", "--seed-nodes", "--demo-tool-latency-ms", "--log-level", "ORCHESTRATOR_API_TOKEN", "ORCHESTRATOR_TELEMETRY", "ORCHESTRATOR_SEED_NODES" })]
    [InlineData("inspect", new[] { "<conversation>", "--data" })]
    [InlineData("emulator", new[] { "--port", "--host", "--model-latency-ms", "--token-latency-ms", "--drop-on", "--error-on", "--refuse-websocket", "--refuse-websocket-status", "--drop-http-stream-on", "--models-without-steering" })]
    public async Task Every_verb_documents_its_arguments_and_options(string verb, string[] mentions)
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        Assert.Equal(0, await Program.RunAsync([verb, "--help"], _ => null, stdout, stderr));
        var help = stdout.ToString();
        // The usage line names the executable, which in a test is the test host.
        Assert.Matches($@"Usage:\s+\S+ {verb}", help);
        Assert.All(mentions, m => Assert.Contains(m, help));
    }

    [Fact]
    public async Task The_root_help_lists_every_verb()
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        Assert.Equal(0, await Program.RunAsync(["--help"], _ => null, stdout, stderr));
        Assert.All(new[] { "run <message>", "serve", "inspect <conversation>", "emulator" }, verb => Assert.Contains(verb, stdout.ToString()));
    }

    [Fact]
    public async Task The_bench_is_a_program_of_its_own_and_documents_its_options()
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        Assert.Equal(0, await Load.Program.RunAsync(["--help"], _ => null, stdout, stderr));
        var help = stdout.ToString();
        Assert.All(new[] { "--conversations", "--rounds", "--tools", "--endpoint", "--journal", "--json", "--recovery" }, m => Assert.Contains(m, help));
        Assert.Equal(CommandErrors.Usage, await Program.RunAsync(["bench"], _ => null, new StringWriter(), new StringWriter()));
    }
}
