using System.Text.Json;

namespace Orchestrator.Emulator;

/// <summary>Keeps <see cref="TrafficRecord"/>s in memory and/or appends them as JSON lines to a file.</summary>
internal sealed class TrafficRecorder : IDisposable
{
    private readonly Lock _gate = new();
    private readonly List<TrafficRecord>? _records;
    private readonly FileStream? _log;
    private readonly Utf8JsonWriter? _logWriter;

    public TrafficRecorder(bool keepInMemory, string? logPath)
    {
        _records = keepInMemory ? [] : null;
        if (logPath is not null)
        {
            _log = new FileStream(logPath, FileMode.Append, FileAccess.Write, FileShare.Read);
            _logWriter = new Utf8JsonWriter(_log);
        }
    }

    public bool Enabled => _records is not null || _log is not null;

    public void Record(TrafficRecord record)
    {
        lock (_gate)
        {
            _records?.Add(record);
            if (_logWriter is not null)
            {
                WriteLine(_logWriter, record);
                // Flushed per line so that a reader (or a crash) sees every event already received.
                _log!.WriteByte((byte)'\n');
                _log.Flush();
            }
        }
    }

    /// <summary>Records one client event, its fields read leniently from <paramref name="root"/> (undefined for a malformed message).</summary>
    public void Record(long connectionId, string type, int bytes, JsonElement root, TrafficTransport transport)
    {
        if (!Enabled)
        {
            return;
        }

        bool isObject = root.ValueKind == JsonValueKind.Object;
        Record(new TrafficRecord(
            DateTimeOffset.UtcNow,
            connectionId,
            type,
            bytes,
            isObject ? ResponseCreateParser.ReadPreviousResponseIdLeniently(root) : null,
            isObject ? ResponseCreateParser.CountInputItemsLeniently(root) : 0,
            !isObject || ResponseCreateParser.ReadStoreLeniently(root),
            isObject ? ResponseCreateParser.ReadStreamIdLeniently(root) : null,
            transport));
    }

    public IReadOnlyList<TrafficRecord> Snapshot()
    {
        lock (_gate)
        {
            return _records is null ? [] : _records.ToArray();
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _logWriter?.Dispose();
            _log?.Dispose();
        }
    }

    private static void WriteLine(Utf8JsonWriter writer, TrafficRecord record)
    {
        writer.WriteStartObject();
        writer.WriteString("time", record.Time);
        writer.WriteNumber("connection_id", record.ConnectionId);
        writer.WriteString("type", record.Type);
        writer.WriteString("stream_id", record.StreamId);
        writer.WriteNumber("bytes", record.Bytes);
        writer.WriteString("previous_response_id", record.PreviousResponseId);
        writer.WriteNumber("input_items", record.InputItems);
        writer.WriteBoolean("store", record.Store);
        writer.WriteString("transport", record.Transport == TrafficTransport.Http ? "http" : "websocket");
        writer.WriteEndObject();
        writer.Flush();
        writer.Reset();
    }
}
