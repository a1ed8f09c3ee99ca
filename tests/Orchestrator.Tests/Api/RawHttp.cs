using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Orchestrator.Tests.Api;

/// <summary>HTTP/1.1 over a bare socket, for what HttpClient will not do: hold many connections, send a body slowly, send a raw path.</summary>
public sealed class RawHttp : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    /// <param name="from">The loopback address to connect from (another client for the node), 127.0.0.1 by default.</param>
    public static async Task<RawHttp> ConnectAsync(Uri address, CancellationToken cancellationToken, IPAddress? from = null)
    {
        var raw = new RawHttp();
        if (from is not null) raw._socket.Bind(new IPEndPoint(from, 0));
        await raw._socket.ConnectAsync(IPAddress.Loopback, address.Port, cancellationToken);
        return raw;
    }

    public async Task SendAsync(string text, CancellationToken cancellationToken) =>
        await _socket.SendAsync(Encoding.ASCII.GetBytes(text), SocketFlags.None, cancellationToken);

    /// <summary>One response, head and body (by its Content-Length); empty when the server closed without answering.</summary>
    public async Task<string> ReadResponseAsync(CancellationToken cancellationToken)
    {
        var received = new StringBuilder();
        var buffer = new byte[4096];
        while (!IsComplete(received.ToString()))
        {
            int read;
            try
            {
                read = await _socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
            }
            catch (SocketException)
            {
                break;
            }
            if (read == 0) break;
            received.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }
        return received.ToString();
    }

    private static bool IsComplete(string response)
    {
        var end = response.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (end < 0) return false;
        var length = response[..end].Split("\r\n").FirstOrDefault(h => h.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
        return length is null || response.Length - end - 4 >= int.Parse(length["Content-Length:".Length..].Trim());
    }

    public static int Status(string head) => head.StartsWith("HTTP/1.1 ", StringComparison.Ordinal) ? int.Parse(head.AsSpan(9, 3)) : 0;

    public void Dispose() => _socket.Dispose();
}
