using System.CommandLine;
using Orchestrator.Cli;
using Xunit;

namespace Orchestrator.Tests.Hosting;

/// <summary><c>emulator --help</c> documents every option the verb takes, the fault options included.</summary>
public sealed class EmulatorHelpSpec
{
    [Fact]
    public async Task Every_emulator_option_is_described_in_the_help()
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        Assert.Equal(0, await Program.RunAsync(["emulator", "--help"], _ => null, stdout, stderr));
        var help = stdout.ToString();
        var options = EmulatorCommand.Create(TextWriter.Null, TextWriter.Null).Options;

        Assert.NotEmpty(options);
        Assert.All(options, option =>
        {
            Assert.False(string.IsNullOrWhiteSpace(option.Description), $"{option.Name} has no description");
            Assert.Contains(option.Name, help);
        });
        Assert.All(new[] { "--hang-on", "--hang-probability", "--max-queued-responses", "--model-latency-jitter-ms", "--latency-seed", "--tokens-per-second" }, flag => Assert.Contains(flag, help));
    }
}
