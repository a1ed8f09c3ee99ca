using System.Text.Json;

namespace Orchestrator.Emulator;

/// <summary>Keeps <see cref="TrafficRecord"/>s in memory and/or appends them as JSON lines to a file.</summary>
internal sealed class TrafficRecorder : IDisposable
{
    private readonly Lock gate = new();
    private readonly List<TrafficRecord>? records;
    private readonly FileStream? log;
    private readonly Utf8JsonWriter? logWriter;

    public TrafficRecorder(bool keepInMemory, string? logPath)
    {
        records = keepInMemory ? [] : null;
        if (logPath is not null)
        {
            log = new FileStream(logPath, FileMode.Append, FileAccess.Write, FileShare.Read);
            logWriter = new Utf8JsonWriter(log);
        }
    }

    public bool Enabled => records is not null || log is not null;

    public void Record(TrafficRecord record)
    {
        lock (gate)
        {
            records?.Add(record);
            if (logWriter is not null)
            {
                WriteLine(logWriter, record);
                // Flushed per line so that a reader (or a crash) sees every event already received.
                log!.WriteByte((byte)'\n');
                log.Flush();
            }
        }
    }

    public IReadOnlyList<TrafficRecord> Snapshot()
    {
        lock (gate)
        {
            return records is null ? [] : records.ToArray();
        }
    }

    public void Dispose()
    {
        lock (gate)
        {
            logWriter?.Dispose();
            log?.Dispose();
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
        writer.WriteEndObject();
        writer.Flush();
        writer.Reset();
    }
}
