using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Persistence;
using Orchestrator.Messages.Conversations;
using Orchestrator.Messages.Events;

namespace Orchestrator.Actors.Conversation;

/// <summary>
/// Resuming after recovery, snapshots and passivation. Conversations are remembered entities of the shard region: one that
/// stops without passivating (a crash, a node leaving) is started again by sharding and finishes its open
/// work by itself. So a conversation passivates only when it is idle.
/// </summary>
public sealed partial class ConversationActor
{
    private bool _passivating;
    private bool _stashedDuringRecovery;
    private int _snapshotsSaving;

    protected override void OnRecoveryFailure(Exception reason, object? message = null)
    {
        // Never start over silently: the conversation stays unavailable, and whoever waits for it is told why.
        var why = $"conversation {_conversationId} cannot be recovered from its journal: {reason.Message}";
        _log.Error(reason, "{0}", why);
        Context.System.EventStream.Publish(new ConversationUnavailable(_conversationId, why));
        base.OnRecoveryFailure(reason, message);
    }

    private void Resume()
    {
        switch (_state.Phase)
        {
            case ConversationPhase.Idle:
                BecomeIdle();
                // Woken with nothing to do and nobody to tell (a remembered entity after a restart): stop again.
                if (_subscribers.Count == 0 && !_stashedDuringRecovery) RequestPassivation();
                break;
            case ConversationPhase.AwaitingModel:
                _log.Info("Conversation {0}: resuming a turn that was waiting for the model", _conversationId);
                StartTurn();
                break;
            case ConversationPhase.RunningTools:
                _log.Info("Conversation {0}: resuming {1} tool calls without a recorded result", _conversationId, _state.CallsWithoutResult.Count());
                DispatchTools(new Turn());
                break;
        }
    }

    private void OnSnapshotSaved(SaveSnapshotSuccess saved)
    {
        DeleteSnapshots(new SnapshotSelectionCriteria(saved.Metadata.SequenceNr - 1));
        _snapshotsSaving--;
    }

    private void OnSnapshotFailed(SaveSnapshotFailure failed)
    {
        _log.Warning("Conversation {0}: snapshot failed: {1}", _conversationId, failed.Cause.Message);
        _snapshotsSaving--;
    }

    private void RequestPassivation()
    {
        // A lane held for a cancelled response is given back when that response ends; the idle timeout asks again.
        if (_passivating || _abandoned.Count > 0) return;
        _passivating = true;
        Context.Parent.Tell(new Passivate(PassivateStop.Instance));
    }

    private void OnPassivateStop()
    {
        // Messages the shard delivered before it saw our Passivate may have started work or subscribed someone since.
        // The shard buffers what it receives after and delivers it to the next incarnation, right after this one
        // stops: so a WakeUp sent through it resumes the work, and a Subscribe keeps each subscriber's stream going
        // (its next SendMessage, already buffered, would otherwise run a turn that nobody hears end).
        foreach (var subscriber in _subscribers) Context.Parent.Tell(new Subscribe(_conversationId, subscriber), ActorRefs.NoSender);
        if (_state.Phase != ConversationPhase.Idle) Context.Parent.Tell(new WakeUp(_conversationId));
        if (_snapshotsSaving == 0)
        {
            Context.Stop(Self);
            return;
        }
        // A snapshot saved as the turn ended: stop once it is written and the older ones are being deleted, or they
        // would stay until the next snapshot. The snapshot store's breaker bounds the wait.
        Become(StoppingAfterSnapshots);
    }

    private bool StoppingAfterSnapshots(object message)
    {
        switch (message)
        {
            case SaveSnapshotSuccess saved: OnSnapshotSaved(saved); break;
            case SaveSnapshotFailure failed: OnSnapshotFailed(failed); break;
            default: return true;
        }
        if (_snapshotsSaving == 0) Context.Stop(Self);
        return true;
    }

    /// <summary>The stop message of a passivation this conversation asked for.</summary>
    public sealed class PassivateStop
    {
        public static readonly PassivateStop Instance = new();

        private PassivateStop()
        {
        }
    }

}
