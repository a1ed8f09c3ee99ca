using Akka.Actor;

namespace Orchestrator.Actors;

/// <summary>
/// Props that make their actor by calling a factory. <c>Props.Create(() =&gt; new T(…))</c> builds an expression tree at
/// every call, evaluates each argument by reflection and constructs the actor with <c>Activator</c>; actors made on the
/// turn's path (tool workers) and for every conversation woken would pay that each time.
/// </summary>
public static class FactoryProps
{
    public static Props Of<TActor>(Func<TActor> factory) where TActor : ActorBase => Props.CreateBy(new Producer<TActor>(factory));

    private sealed class Producer<TActor>(Func<TActor> factory) : IIndirectActorProducer where TActor : ActorBase
    {
        public Type ActorType => typeof(TActor);

        public ActorBase Produce() => factory();

        public void Release(ActorBase actor)
        {
        }
    }
}
