using System.Globalization;
using McpTestServer;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// Tests that kill this process mid-call read its id here.
if (Environment.GetEnvironmentVariable(TestTools.PidFileVariable) is { Length: > 0 } pidFile)
    File.WriteAllText(pidFile, Environment.ProcessId.ToString(CultureInfo.InvariantCulture));

var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, DisableDefaults = true });
// stdout carries the protocol: no log line may go there.
builder.Logging.ClearProviders();
builder.Services.AddMcpServer().WithStdioServerTransport().WithTools([typeof(TestTools)]);
await builder.Build().RunAsync();
