$wnd.jsme.runAsyncCallback3('x(704,595,Ys);_.Zd=function(){this.a.n&&p4(this.a.n);this.a.n=new u4(0,this.a)};U(R0)(3);\n//@ sourceURL=3.js\n')
