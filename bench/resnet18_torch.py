#!/usr/bin/env python3
"""ResNet18 (CIFAR stem, as nclab builds it) training steps on random 32x32 inputs, for comparison with
`nclab train --model resnet18` (BENCHMARKS.md, "Nineteenth session"). Usage: resnet18_torch.py [steps]"""
import time, sys, torch, torch.nn as nn
torch.set_num_threads(2); torch.manual_seed(0)
def conv(i,o,k,s): return nn.Conv2d(i,o,k,s,k//2,bias=False)
class Res(nn.Module):
    def __init__(s,i,o,st):
        super().__init__()
        s.b=nn.Sequential(conv(i,o,3,st),nn.BatchNorm2d(o),nn.ReLU(),conv(o,o,3,1),nn.BatchNorm2d(o))
        s.sc=nn.Identity() if i==o and st==1 else nn.Sequential(conv(i,o,1,st),nn.BatchNorm2d(o))
    def forward(s,x): return torch.relu(s.b(x)+s.sc(x))
layers=[conv(3,64,3,1),nn.BatchNorm2d(64),nn.ReLU()]; i=64
for st in range(4):
    o=64<<st
    for j in range(2): layers.append(Res(i,o,2 if st>0 and j==0 else 1)); i=o
net=nn.Sequential(*layers,nn.AdaptiveAvgPool2d(1),nn.Flatten(),nn.Linear(512,10))
opt=torch.optim.SGD(net.parameters(),lr=0.01,momentum=0.9,weight_decay=5e-4)
x=torch.randn(128,3,32,32); y=torch.randint(0,10,(128,))
steps=int(sys.argv[1]) if len(sys.argv)>1 else 6
for s in range(steps+2):
    if s==2: t=time.time()
    opt.zero_grad(); l=nn.functional.cross_entropy(net(x),y); l.backward()
    torch.nn.utils.clip_grad_norm_(net.parameters(),2.0); opt.step()
dt=time.time()-t
print(f"pytorch resnet18 batch 128: {steps*128/dt:.1f} samples/s ({dt/steps:.2f} s/step)")
