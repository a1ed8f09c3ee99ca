using Orchestrator.Cli;
using Xunit;

namespace Orchestrator.Tests.Cli;

public sealed class OneShotTieringTests
{
    private const string App = "/opt/orchestrator/";
    private const string AppHost = "/opt/orchestrator/orchestrator";

    private static string? None(string _) => null;

    [Theory]
    [InlineData("run", "hello")]
    [InlineData("inspect", "c-1")]
    public void A_one_shot_command_through_the_app_host_starts_over(params string[] args) =>
        Assert.True(OneShotTiering.ShouldStartOver(args, None, AppHost, App, canReplaceImage: true));

    [Theory]
    [InlineData("serve")]
    [InlineData("emulator")]
    [InlineData("--help")]
    [InlineData("hello", "run")]
    public void Long_running_commands_and_other_command_lines_keep_the_shipped_settings(params string[] args) =>
        Assert.False(OneShotTiering.ShouldStartOver(args, None, AppHost, App, canReplaceImage: true));

    [Fact]
    public void No_arguments_keep_the_shipped_settings() =>
        Assert.False(OneShotTiering.ShouldStartOver([], None, AppHost, App, canReplaceImage: true));

    [Theory]
    [InlineData(OneShotTiering.DelayVariable)]
    [InlineData(OneShotTiering.LegacyDelayVariable)]
    public void A_delay_already_set_wins_and_a_started_over_process_goes_on(string variable) =>
        Assert.False(OneShotTiering.ShouldStartOver(["run", "hello"], name => name == variable ? "0" : null, AppHost, App, canReplaceImage: true));

    [Theory]
    [InlineData("/usr/share/dotnet/dotnet")]
    [InlineData("/opt/orchestrator/bin/orchestrator")]
    [InlineData(null)]
    public void A_process_not_started_through_the_app_host_goes_on(string? processPath) =>
        Assert.False(OneShotTiering.ShouldStartOver(["run", "hello"], None, processPath, App, canReplaceImage: true));

    [Fact]
    public void A_platform_that_cannot_replace_a_process_image_goes_on() =>
        Assert.False(OneShotTiering.ShouldStartOver(["run", "hello"], None, AppHost, App, canReplaceImage: false));

    [Fact]
    public void The_delay_is_the_runtime_default_in_the_runtime_s_hexadecimal() =>
        Assert.Equal(100, Convert.ToInt32(OneShotTiering.DefaultDelay, 16));
}
