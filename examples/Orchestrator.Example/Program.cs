using Orchestrator.Emulator;
using Orchestrator.Example;

// With no endpoint configured, answer from the local emulator so that `dotnet run` works out of the box.
await using var emulator = ExampleApp.NeedsEmulator(Environment.GetEnvironmentVariable, args)
    ? await EmulatorServer.StartAsync(new EmulatorOptions())
    : null;
var app = ExampleApp.Create(emulator is null ? args : [.. args, $"--Endpoint={emulator.ResponsesUrl}"]);
await app.RunAsync();
