using System.Collections;
using System.Runtime.InteropServices;

namespace Orchestrator.Cli;

/// <summary>Replaces the running process's image with a program (<c>execve</c>): same process id, standard streams and signals.</summary>
internal static class ProcessImage
{
    /// <summary>Whether <see cref="Replace"/> can work here.</summary>
    public static bool Supported => OperatingSystem.IsLinux() || OperatingSystem.IsMacOS();

    /// <summary>
    /// Runs <paramref name="path"/> with <paramref name="args"/> and this process's environment plus <paramref name="variable"/>
    /// in place of this process. Returns only if that failed; the caller then goes on as it is.
    /// </summary>
    public static void Replace(string path, IReadOnlyList<string> args, (string Name, string Value) variable)
    {
        var argv = new string?[args.Count + 2];
        argv[0] = path;
        for (var i = 0; i < args.Count; i++) argv[i + 1] = args[i];

        var environment = new List<string?>();
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            if ((string)entry.Key != variable.Name) environment.Add($"{entry.Key}={entry.Value}");
        }
        environment.Add($"{variable.Name}={variable.Value}");
        environment.Add(null);

        _ = Execve(path, argv, [.. environment]);
    }

    [DllImport("libc", EntryPoint = "execve", SetLastError = true)]
    private static extern int Execve(string path, string?[] argv, string?[] envp);
}
